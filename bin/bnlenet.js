#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the prepare script).
'use strict';
require('../dist/src/cli/main.js').run();
