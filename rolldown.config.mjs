/**
 * The installed command is one bundle of the compiled modules (dist/bin), not the ~110 files under
 * dist/src: Node starts it ~60 ms sooner, and calls across what were module boundaries get cheaper
 * (bench/RESULTS.md §12). The check, matrix and stress workers are entries of their own beside it, so
 * `new URL("./matrixWorker.js", import.meta.url)` finds them in the same folder. Tests of the library
 * import src/; the end-to-end tests run this bundle, as a user does.
 */
export default {
  input: {
    main: "dist/src/cli/main.js",
    matrixWorker: "dist/src/report/matrixWorker.js",
    stressWorker: "dist/src/report/stressWorker.js",
    checkWorker: "dist/src/report/checkWorker.js",
  },
  platform: "node",
  logLevel: "warn",
  output: {
    dir: "dist/bin",
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
    cleanDir: true,
  },
};
