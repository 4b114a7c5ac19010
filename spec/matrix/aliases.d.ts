// The second majors of the version matrix, installed under npm aliases (package.json:
// "express5": "npm:express@5…", "koa2": "npm:koa@2…"). The suite only builds apps with them and
// hands them to routing-controllers, so the types of the majors installed as `express` and `koa`
// describe them well enough.
declare module 'express5' {
  import express from 'express';
  export default express;
}

declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
