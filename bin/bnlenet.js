#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the prepare script).
'use strict';
// Until the CLI installs its own handling (synchronously, at the start of run), Ctrl-C and
// SIGTERM end the process with the status the CLI promises for an interruption, 130. These
// listeners go only once the CLI's are in place: a moment with no listener would let Node
// drop a signal that arrived while the modules were loading.
const early = () => process.exit(130);
process.once('SIGINT', early).once('SIGTERM', early);
require('../dist/src/cli/main.js').run();
process.off('SIGINT', early).off('SIGTERM', early);
