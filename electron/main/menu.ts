// Runs in the Electron main process. The application menu: File (Quit), View (reload and devtools in
// development only, full screen), Help (About). macOS also gets its app and Edit menus, without
// which Cmd+C/Cmd+V do not work in text fields.
import { app, Menu, type MenuItemConstructorOptions } from 'electron';

export function installMenu(): void {
  const isMac = process.platform === 'darwin';
  const isDev = !app.isPackaged;
  app.setAboutPanelOptions({ applicationName: 'FaceKit', applicationVersion: app.getVersion() });
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? ([{ role: 'appMenu' }, { role: 'editMenu' }] as const) : []),
    { label: 'File', submenu: [{ role: 'quit' }] },
    {
      label: 'View',
      submenu: [
        ...(isDev ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const) : []),
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
