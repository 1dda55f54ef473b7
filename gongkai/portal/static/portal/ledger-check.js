/* Check one disclosure against the ledger, in the reader's browser (docs/ledger-format.md).

   On <section data-ledger-check data-proof-url="…/proof" data-keys-url="…/keys"> with a
   <button> and an aria-live element [data-result], a press fetches the proof (spec §8) and
   the public keys, and recomputes with WebCrypto: each visible entry's published hash from
   the canonical JSON of its document (spec §2.1), the commitment, every leaf hash, each
   inclusion path to the signed head's root (RFC 9162 §2.1.3.2), and the head's Ed25519
   signature where the browser supports Ed25519 (it says so where it does not). The words
   shown come from data-msg-* and data-kind-* attributes, translated by the template.

   Canonical JSON here: JSON.stringify escapes strings exactly as the spec does (", \, the
   short forms \b \f \n \r \t, other control characters as \u00xx in lowercase, everything
   else, U+007F and U+2028 included, as itself); keys are sorted by code point, not by
   UTF-16 unit; strings are normalized to NFC; integral numbers are written as integers and
   others in Python's repr form. A browser whose JSON.parse cannot show a reviver a number's
   source text cannot tell an integer beyond 2^53 from its rounded double, so an entry with
   one is reported there as not checkable here rather than as wrong.

   No framework and no build step; loaded with <script src defer> (no inline script under
   the CSP). Also loadable in Node for tests: it exports globalThis.gongkaiLedgerCheck. */
(function () {
  "use strict";

  const encoder = new TextEncoder();
  const subtle = globalThis.crypto && globalThis.crypto.subtle;

  class Unsupported extends Error {}
  class Problem extends Error {
    constructor(key, values) {
      super(key);
      this.key = key;
      this.values = values || {};
    }
  }

  // --- canonical JSON -------------------------------------------------------------------

  function compareCodePoints(a, b) {
    const x = Array.from(a);
    const y = Array.from(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  }

  function pythonFloat(x) {
    // Shortest round-trip digits (as String gives them), laid out as Python's repr does:
    // scientific when the decimal exponent is below -4 or at least 16.
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
    if (!m) throw new Unsupported(String(x));
    let digits = m[2] + (m[3] || "");
    let exponent = (m[4] ? parseInt(m[4], 10) : 0) + m[2].length - 1;
    const lead = digits.length - digits.replace(/^0+/, "").length;
    digits = digits.slice(lead).replace(/0+$/, "");
    exponent -= lead;
    if (exponent < -4 || exponent >= 16) {
      const mantissa = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
      const sign = exponent < 0 ? "-" : "+";
      return m[1] + mantissa + "e" + sign + String(Math.abs(exponent)).padStart(2, "0");
    }
    if (exponent < 0) return m[1] + "0." + "0".repeat(-exponent - 1) + digits;
    return m[1] + digits.slice(0, exponent + 1) + "." + digits.slice(exponent + 1);
  }

  // Where JSON.parse tells a reviver the source text of a number (ES2025), an integer
  // literal beyond 2^53 is kept exactly as a BigInt, and any other integral number beyond
  // 2^53 must have been written as a float literal, so its double is its value.
  let sourceAccess = false;
  JSON.parse("0", (key, value, context) => {
    sourceAccess = Boolean(context && typeof context.source === "string");
    return value;
  });

  function parseJSON(text) {
    return JSON.parse(text, (key, value, context) =>
      typeof value === "number" && !Number.isSafeInteger(value) && context &&
      /^-?\d+$/.test(context.source) ? BigInt(context.source) : value
    );
  }

  function canonical(value) {
    if (value === null) return "null";
    if (value === true) return "true";
    if (value === false) return "false";
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new Unsupported("not finite");
      if (Number.isInteger(value)) {
        if (Number.isSafeInteger(value)) return String(value === 0 ? 0 : value); // -0 is 0
        if (!sourceAccess) throw new Unsupported("an integer beyond 2^53");
        return BigInt(value).toString();
      }
      return pythonFloat(value);
    }
    if (typeof value === "string") return JSON.stringify(value.normalize("NFC"));
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    const keys = Object.keys(value).map((k) => [k.normalize("NFC"), k]);
    keys.sort((a, b) => compareCodePoints(a[0], b[0]));
    const pairs = keys.map(([n, k]) => JSON.stringify(n) + ":" + canonical(value[k]));
    return "{" + pairs.join(",") + "}";
  }

  // --- bytes and hashes ---------------------------------------------------------------------

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function unhex(text) {
    if (!/^([0-9a-f]{2})*$/.test(text)) throw new Problem("checkpoint");
    return Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
  }
  function unbase64(text) {
    const raw = atob(text);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }
  async function sha256hex(text) {
    return hex(await sha256(encoder.encode(text)));
  }
  function same(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  const node = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  async function verifyInclusion(index, size, leafHash, path, root) {
    // RFC 9162 §2.1.3.2
    if (!(index >= 0 && index < size)) return false;
    let fn = index;
    let sn = size - 1;
    let r = leafHash;
    for (const p of path) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && same(r, root);
  }

  // --- signed checkpoints -----------------------------------------------------------------------

  function openCheckpoint(text) {
    const split = text.lastIndexOf("\n\n");
    if (split < 0 || !text.endsWith("\n")) throw new Problem("checkpoint");
    const body = text.slice(0, split + 1);
    const lines = body.slice(0, -1).split("\n");
    if (lines.length !== 4 || !/^(0|[1-9]\d*)$/.test(lines[1]) || !lines[3].startsWith("time ")) {
      throw new Problem("checkpoint");
    }
    const signatures = text
      .slice(split + 2, -1)
      .split("\n")
      .map((line) => /^\u2014 (\S+) (\S+)$/.exec(line))
      .filter(Boolean)
      .map((m) => ({ name: m[1], blob: unbase64(m[2]) }));
    return {
      body: encoder.encode(body),
      origin: lines[0],
      size: Number(lines[1]),
      root: unbase64(lines[2]),
      at: lines[3].slice(5),
      signatures,
    };
  }

  async function keyIdOf(name, publicKey) {
    const hash = await sha256(concat(encoder.encode(name + "\n"), Uint8Array.of(1), publicKey));
    return hash.slice(0, 4);
  }

  // "signed", or throws Problem("signature"/"unknown-key"), or Unsupported (no Ed25519 here).
  async function verifySignature(checkpoint, keys) {
    let signed = false;
    for (const key of keys) {
      const publicKey = unbase64(key.public_key);
      const keyId = await keyIdOf(key.name, publicKey);
      if (hex(keyId) !== key.key_id) continue; // a key listed wrongly proves nothing
      for (const s of checkpoint.signatures) {
        if (s.name !== key.name || !same(s.blob.slice(0, 4), keyId)) continue;
        let imported;
        try {
          imported = await subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
        } catch (error) {
          throw new Unsupported("Ed25519");
        }
        if (!(await subtle.verify("Ed25519", imported, s.blob.slice(4), checkpoint.body))) {
          throw new Problem("signature");
        }
        signed = true;
      }
    }
    if (!signed) throw new Problem("unknown-key");
    return "signed";
  }

  // --- one proof ------------------------------------------------------------------------------

  async function leafOf(log, entry) {
    let commitment = entry.commitment;
    if (entry.visible) {
      const published = await sha256hex(canonical(entry.document));
      if (published !== entry.published_hash) throw new Problem("entry", { index: entry.index });
      commitment = await sha256hex(
        "gongkai-commitment-v1\n" + published + "\n" + entry.sealed_hash + "\n"
      );
      if (commitment !== entry.commitment) throw new Problem("entry", { index: entry.index });
    }
    const leaf = ["gongkai-leaf-v1", log, entry.index, entry.at, entry.organization, commitment, ""]
      .join("\n");
    const leafHash = await sha256(concat(Uint8Array.of(0), encoder.encode(leaf)));
    if (hex(leafHash) !== entry.leaf_hash) throw new Problem("entry", { index: entry.index });
    return leafHash;
  }

  // Everything but the signature: throws Problem or Unsupported; returns the checkpoint.
  async function checkProof(proof, expect) {
    const checkpoint = openCheckpoint(proof.checkpoint);
    if (
      checkpoint.size !== proof.size ||
      hex(checkpoint.root) !== proof.root_hash ||
      !checkpoint.origin.endsWith("/" + proof.log)
    ) {
      throw new Problem("checkpoint");
    }
    if (!proof.entries.length) throw new Problem("entry", { index: "?" });
    for (const entry of proof.entries) {
      let leafHash;
      try {
        leafHash = await leafOf(proof.log, entry);
      } catch (error) {
        if (error instanceof Unsupported) throw new Problem("number", { index: entry.index });
        throw error;
      }
      const mine = !entry.visible || !expect.disclosure ||
        String(entry.document.disclosure) === expect.disclosure;
      if (!mine) {
        throw new Problem("entry", { index: entry.index });
      }
      const path = entry.inclusion.map(unhex);
      if (!(await verifyInclusion(entry.index, checkpoint.size, leafHash, path, checkpoint.root))) {
        throw new Problem("inclusion", { index: entry.index });
      }
    }
    const shown = proof.entries.filter((e) => e.visible);
    const latest = shown[shown.length - 1];
    const nfc = (text) => String(text).normalize("NFC");
    if (expect.title && latest && nfc(latest.document.title) !== nfc(expect.title)) {
      throw new Problem("title", { index: latest.index });
    }
    return checkpoint;
  }

  // --- the page -------------------------------------------------------------------------------

  function say(section, key, values) {
    // data-msg-ok-unsigned is dataset.msgOkUnsigned
    const name = "msg" + key.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());
    const template = section.dataset[name] || key;
    return template.replace(/\{(\w+)\}/g, (_, v) => (v in values ? String(values[v]) : ""));
  }

  function localTime(at) {
    const when = new Date(at);
    return Number.isNaN(when.getTime()) ? at : when.toLocaleString();
  }

  function show(section, state, message, lines) {
    const out = section.querySelector("[data-result]");
    out.textContent = "";
    const p = document.createElement("p");
    p.className = state;
    p.textContent = message;
    out.appendChild(p);
    if (lines && lines.length) {
      const ul = document.createElement("ul");
      for (const line of lines) {
        const li = document.createElement("li");
        li.textContent = line;
        ul.appendChild(li);
      }
      out.appendChild(ul);
    }
  }

  async function getJSON(url) {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok) throw new Problem("network");
    return parseJSON(await response.text());
  }

  async function run(section) {
    const button = section.querySelector("button");
    if (!subtle) {
      show(section, "bad", say(section, "insecure", {}));
      return;
    }
    button.disabled = true;
    show(section, "", say(section, "checking", {}));
    try {
      let proof;
      let keys;
      try {
        [proof, keys] = await Promise.all([
          getJSON(section.dataset.proofUrl),
          getJSON(section.dataset.keysUrl),
        ]);
      } catch (error) {
        throw new Problem("network");
      }
      const checkpoint = await checkProof(proof, {
        disclosure: section.dataset.disclosure,
        title: section.dataset.title,
      });
      const lines = proof.entries.map((e) =>
        say(section, "entry-ok", {
          index: e.index,
          kind: e.visible
            ? section.dataset["kind" + e.kind[0].toUpperCase() + e.kind.slice(1)] || e.kind
            : section.dataset.kindOpaque || "",
          at: localTime(e.at),
        })
      );
      const values = {
        log: proof.log,
        size: checkpoint.size,
        at: localTime(checkpoint.at),
        count: proof.entries.length,
      };
      let signatureChecked = true;
      try {
        await verifySignature(checkpoint, keys);
      } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        signatureChecked = false;
      }
      const message = say(section, signatureChecked ? "ok" : "ok-unsigned", values);
      show(section, signatureChecked ? "ok" : "", message, lines);
    } catch (error) {
      // Anything else thrown while reading the proof: it is not what the spec describes.
      const key = error instanceof Problem ? error.key : "malformed";
      const detail = say(section, key, (error && error.values) || {});
      show(section, "bad", say(section, "failed", { problem: detail }));
    } finally {
      button.disabled = false;
    }
  }

  globalThis.gongkaiLedgerCheck = {
    canonical,
    parseJSON,
    pythonFloat,
    checkProof,
    verifySignature,
    verifyInclusion,
    openCheckpoint,
    Problem,
    Unsupported,
    sourceAccess,
  };

  if (typeof document !== "undefined") {
    for (const section of document.querySelectorAll("[data-ledger-check]")) {
      const button = section.querySelector("button");
      if (button) button.addEventListener("click", () => run(section));
    }
  }
})();
