// Stand-in for modules an environment must not import (see the `paths` of tsconfig.renderer.json
// and tsconfig.core.json): the renderer and the pure engine never reach Electron or Node.
declare const forbidden: never;
export default forbidden;
