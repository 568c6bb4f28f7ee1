// Runs in the renderer (browser or Electron window). Mounts the app.
import { mount } from 'svelte';
import { expectDefined } from '../../api/errors.ts';
import App from './App.svelte';
import './app.css';

mount(App, { target: expectDefined(document.getElementById('app'), 'the #app element of index.html') });
