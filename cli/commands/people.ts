// Runs in the CLI. facekit people list|rename|merge|remove. In registry mode rename, merge and remove go
// to the server first (ctx.registry), then the cache pulls them; in SQLite mode they change the store.
import type { Command } from 'commander';
import { CliContext } from '../context.ts';
import { outdatedByPerson } from '../../engine/recognition/face-upgrade.ts';

export function registerPeopleCommands(program: Command): void {
  const people = program.command('people').description('list, rename, merge and remove enrolled people');

  people
    .command('list')
    .description('everyone enrolled, with their number of faces and photos, and faces an older face pipeline made')
    .action((_opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const store = ctx.store();
      // Faces of an older pipeline are not used by recognition: say so per person, never drop them silently.
      const outdated = outdatedByPerson(store);
      const list = store.listPeople().map((p) => {
        const counts = outdated.get(p.id) ?? { outdated: 0, needReenrolment: 0 };
        return { ...p, outdatedFaces: counts.outdated, needReenrolment: counts.needReenrolment };
      });
      const anyOutdated = list.some((p) => p.outdatedFaces > 0);
      ctx.output({ people: list }, () =>
        list.length
          ? [
              ...list.map((p) => {
                const notes = [
                  ...(p.needReenrolment ? [`${p.needReenrolment} face(s) need re-enrolment`] : []),
                  ...(p.outdatedFaces > p.needReenrolment ? [`${p.outdatedFaces - p.needReenrolment} face(s) to upgrade`] : []),
                ];
                return `${p.name}\t${p.faceCount} face(s)\t${p.photoCount} photo(s)${notes.length ? `\t${notes.join(', ')}` : ''}`;
              }),
              ...(anyOutdated
                ? ['faces of an older face pipeline are not used by recognition: `facekit faces upgrade`, then re-enrol the rest']
                : []),
            ]
          : 'nobody is enrolled yet',
      );
    });

  people
    .command('rename')
    .argument('<name>')
    .argument('<newName>')
    .action(async (name: string, newName: string, _opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const person = ctx.registry ? await ctx.registry.renamePerson(name, newName) : ctx.store().renamePerson(name, newName);
      ctx.output({ person }, () => `renamed "${name}" to "${person.name}"`);
    });

  people
    .command('merge')
    .description('move every face of <from> to <into> and remove <from> (two entries for one person)')
    .argument('<from>')
    .argument('<into>')
    .action(async (from: string, into: string, _opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const result = ctx.registry ? await ctx.registry.mergePeople(from, into) : ctx.store().mergePeople(from, into);
      ctx.output(result, () => `merged "${from}" into "${result.person.name}": ${result.moved} face(s) moved`);
    });

  people
    .command('remove')
    .description('delete a person everywhere: face embeddings and thumbnails, photo records, check-ins')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const result = ctx.registry ? await ctx.registry.removePerson(name) : ctx.store().removePerson(name);
      ctx.output(
        { removed: name, ...result },
        () => `removed "${name}": ${result.faces} face(s), ${result.photos} photo record(s) and ${result.checkins} check-in(s) purged`,
      );
    });
}
