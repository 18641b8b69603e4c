#!/usr/bin/env node
// Compiles the project's Solidity contracts with the pinned solc-js (node_modules/solc)
// through the Standard JSON interface and prints one JSON document on stdout:
//   {"compiler": {"version", "settings"}, "contracts": {Name: {abi, bytecode, deployedBytecode}}}
// Usage: node scripts/solc_compile.mjs <contracts-dir>
// Called by passport/chain/build.py (`python -m passport.chain.build`); offline, deterministic:
// no metadata hash and no CBOR trailer, so the bytecode depends only on sources and settings.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const PINNED_VERSION = "0.8.28";
export const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  metadata: { bytecodeHash: "none", appendCBOR: false },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function fail(message) {
  process.stderr.write(`solc_compile: ${message}\n`);
  process.exit(1);
}

const dir = process.argv[2];
if (!dir) fail("usage: node scripts/solc_compile.mjs <contracts-dir>");

const require = createRequire(import.meta.url);
let solc;
try {
  solc = require("solc");
} catch (err) {
  fail(`cannot load the npm package solc (run ./run setup or npm install): ${err.message}`);
}
const version = solc.version();
if (!version.startsWith(`${PINNED_VERSION}+`)) {
  fail(`solc ${PINNED_VERSION} is pinned but node_modules/solc is ${version}`);
}

const files = readdirSync(dir).filter((f) => f.endsWith(".sol")).sort();
if (files.length === 0) fail(`no .sol files in ${dir}`);
const sources = {};
for (const f of files) sources[f] = { content: readFileSync(join(dir, f), "utf8") };

const input = { language: "Solidity", sources, settings: SETTINGS };
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) process.stderr.write(`${e.formattedMessage || e.message}\n`);
if (errors.length > 0) process.exit(2);

const contracts = {};
for (const f of files) {
  for (const [name, c] of Object.entries(output.contracts[f] || {})) {
    if (!c.evm.bytecode.object) continue; // interfaces have no bytecode
    contracts[name] = {
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
  }
}
const { outputSelection, ...recorded } = SETTINGS;
process.stdout.write(
  JSON.stringify({ compiler: { version, settings: recorded }, contracts }) + "\n",
);
