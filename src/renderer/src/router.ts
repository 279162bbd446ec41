import { createRouter, createWebHashHistory, type Router } from 'vue-router';
import ProjectPage from './pages/ProjectPage.vue';
import ProjectsPage from './pages/ProjectsPage.vue';
import SettingsPage from './pages/SettingsPage.vue';

export function createWorkbenchRouter(): Router {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', name: 'projects', component: ProjectsPage },
      { path: '/projects/:projectId', name: 'project', component: ProjectPage, props: true },
      {
        path: '/projects/:projectId/studies/:studyId',
        name: 'study',
        // The viewer (cornerstone3D, vtk.js) loads only when a study is opened.
        component: () => import('./pages/StudyPage.vue'),
        props: true,
      },
      { path: '/settings', name: 'settings', component: SettingsPage },
    ],
  });
}
