import { createApp } from 'vue';
import App from './App.vue';
import { connectApi } from './api';
import { API_KEY } from './composables/use-api';
import { createWorkbenchRouter } from './router';
import './styles.css';

const connection = connectApi();
if (connection.client === null) {
  const message = document.createElement('main');
  message.className = 'fatal';
  message.setAttribute('role', 'alert');
  message.textContent = connection.reason;
  document.querySelector('#app')?.replaceChildren(message);
} else {
  const app = createApp(App, { mode: connection.mode });
  app.provide(API_KEY, connection.client);
  app.use(createWorkbenchRouter());
  app.mount('#app');
}
