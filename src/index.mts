// ESM entry: the CommonJS build's exports, re-exported. One copy of the library's classes and
// registries serves `import` and `require` alike (no dual-package hazard).
export * from './index.js';
