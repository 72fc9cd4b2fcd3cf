import express, { type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';

/** The repository's `public/` folder, from src/ (ts-jest) or dist/src/ (compiled). */
const publicDir = [path.resolve(__dirname, '../public'), path.resolve(__dirname, '../../public')].find((dir) => fs.existsSync(dir))!;

/**
 * `/dashboard`: a static page and script (no build step) that watches the support floor over
 * graphql-ws with an API key the person types in; the graphql-ws browser bundle comes from the
 * package itself.
 */
export function dashboardPage(): Router {
  const router = express.Router();
  router.get('/dashboard/graphql-ws.js', (_req, res) => {
    res.type('application/javascript').sendFile(path.join(path.dirname(require.resolve('graphql-ws/package.json')), 'umd/graphql-ws.min.js'));
  });
  router.use('/dashboard', express.static(path.join(publicDir, 'dashboard'), { index: 'index.html', redirect: true }));
  return router;
}
