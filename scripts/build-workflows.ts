/**
 * npm run build:workflows: bundles the workflow code once into build/workflows (the image's build runs it), so a
 * worker starts without webpack. A worker finding the bundle out of date with the sources bundles again itself.
 */
import { buildWorkflowBundle } from '../workers/workflow-bundle';

buildWorkflowBundle(require.resolve('../workflows'), { logger: { info: console.log, warn: console.warn } }).catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
