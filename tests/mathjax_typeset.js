// Typeset TeX with the vendored MathJax 3 (no book macros, as in a plain notebook renderer).
// usage: node mathjax_typeset.js <mathjax-dir> < snippets.json
//   snippets.json: [["inline"|"display", "tex"], ...]; prints [[index, "error message"], ...] as JSON.
// Undefined control sequences are errors (the "noundefined" package, which would print them in red,
// is removed) and so is any other TeX error (formatError rethrows).
const path = require("path");
const fs = require("fs");
const dir = path.resolve(process.argv[2]);
// The combined browser component bundles the speech-rule engine, which asks Node for its XML
// helpers at load time; typesetting does not use them, so they are stubbed.
const Module = require("module");
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "xmldom-sre") {
    class Stub { createDocument() { return {}; } parseFromString() { return {}; } serializeToString() { return ""; } }
    return { DOMImplementation: Stub, DOMParser: Stub, XMLSerializer: Stub };
  }
  if (["wicked-good-xpath", "commander"].includes(request)) return { install() {} };
  return load.call(this, request, ...rest);
};
global.MathJax = {
  loader: { paths: { mathjax: dir }, require: require, load: ["adaptors/liteDOM"] },
  tex: { packages: { "[-]": ["noundefined"] }, formatError: (jax, err) => { throw err; } },
  startup: { typeset: false },
};
require(path.join(dir, "tex-chtml.js"));
const snippets = JSON.parse(fs.readFileSync(0, "utf8"));
MathJax.startup.promise
  .then(async () => {
    const errors = [];
    for (let i = 0; i < snippets.length; i++) {
      const [mode, tex] = snippets[i];
      try {
        await MathJax.tex2chtmlPromise(tex, { display: mode === "display" });
      } catch (err) {
        errors.push([i, String(err && err.message ? err.message : err)]);
      }
    }
    process.stdout.write(JSON.stringify(errors));
  })
  .catch((err) => { console.error(String(err)); process.exit(2); });
