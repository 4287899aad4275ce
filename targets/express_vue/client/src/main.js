import './strip-fragment.js'; // first: before the router reads the location
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.js';
import { initSentry } from './config/sentry.js';

const app = createApp(App);

// The plan's order: Sentry first (it hooks the app's error handler and the router), then the router.
initSentry(app, router);

app.use(router);
app.mount('#app');
