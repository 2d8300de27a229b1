// Checking a dermawan receipt in the browser, with WebCrypto only (no library).
//
// The same steps as `dermawan verify-receipt` (dermawan/transparency/verification.py):
// for every receipt line that carries `log`, the tree head's Ed25519 signature
// verifies with the public key; every leaf decodes as a canonical version-1
// donation leaf and its RFC 9162 inclusion proof leads from SHA-256(0x00 || leaf)
// to the signed root; the leaves match the line and add up to its amounts; the
// buyer hash HMAC-SHA256(salt, buyer_id) opens with the receipt's salt.
//
// Sizes and indices are BigInt: a log may outgrow 2^53 leaves' worth of Numbers.

const subtle = globalThis.crypto.subtle;
const KINDS = ["pledged", "confirmed", "reversed", "paid_out"];
const HEAD_MAGIC = new TextEncoder().encode("DRMWNSTH");

export const NOT_PROVEN = [
  "that everyone is shown the same log: compare the tree head with the one the log " +
    "publishes (/api/v1/log/heads/latest) or a monitor holds, and ask for a consistency " +
    "proof from an older head you kept",
  "that anything after the tree head is as shown: a later reversal or payout is a later " +
    "leaf, in a later tree",
  "that the money reached the charity: a paid_out leaf records the platform's statement " +
    "of a payment; the charity's bank statement is the proof of it",
  "that the pledge terms were the merchant's real promise: the leaf holds the catalog's " +
    "record of it",
];

export class ReceiptFormatError extends Error {}

export function fromBase64(text, what) {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) {
    throw new Error(`${what} is not valid base64`);
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

export const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
export const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

// RFC 9162 section 2.1.3.2: the root an inclusion proof leads to.
export async function rootFromInclusion(index, size, leaf, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn < 0n || fn > sn) throw new Error(`leaf index ${index} is outside a tree of size ${size}`);
  let r = leaf;
  for (const [position, p] of proof.entries()) {
    if (p.length !== 32) throw new Error(`proof node ${position} is not a SHA-256 hash`);
    if (sn === 0n) throw new Error(`the proof is too long: node ${position} is past the root`);
    if (fn & 1n || fn === sn) {
      r = await nodeHash(p, r);
      while (fn !== 0n && !(fn & 1n)) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("the proof is too short: it stops below the root");
  return r;
}

// The canonical leaf, version 1 (leaves.py): refuse anything but the one encoding.
export function decodeLeaf(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const need = (n) => {
    if (at + n > data.length) throw new Error(`the leaf ends early, at byte ${data.length}`);
    const start = at;
    at += n;
    return start;
  };
  const u8 = () => view.getUint8(need(1));
  const u16 = () => view.getUint16(need(2));
  const u32 = () => view.getUint32(need(4));
  const u64 = () => view.getBigUint64(need(8));
  const i64 = () => view.getBigInt64(need(8));
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const text = () => {
    const length = u16();
    const start = need(length);
    try {
      return utf8.decode(data.subarray(start, start + length));
    } catch {
      throw new Error(`a text field before byte ${at} is not UTF-8`);
    }
  };
  const currency = () => {
    const start = need(3);
    const code = String.fromCharCode(...data.subarray(start, start + 3));
    if (!/^[A-Z]{3}$/.test(code)) throw new Error(`currency ${code} is not three letters`);
    return code;
  };
  const optional = (read) => {
    const flag = u8();
    if (flag === 0) return null;
    if (flag !== 1) throw new Error(`presence byte ${flag} at byte ${at - 1} is neither 0 nor 1`);
    return read();
  };
  const version = u8();
  if (version !== 1) throw new Error(`leaf version ${version} is not known (knows 1)`);
  const kind = u8();
  if (kind < 1 || kind > KINDS.length) throw new Error(`effect kind ${kind} is not known`);
  const leaf = {
    kind: KINDS[kind - 1],
    occurred_at_us: i64(),
    amount_minor: u64(),
    currency: currency(),
    event_id: text(),
    order_id: optional(text),
    line_id: optional(text),
    project_id: optional(text),
    charity_id: text(),
    pledge: optional(() => ({
      pledge_id: text(),
      basis_points: optional(u32),
      amount_minor: optional(u64),
      currency: optional(currency),
      max_per_line_minor: optional(u64),
      valid_from_us: i64(),
      valid_to_us: optional(i64),
    })),
    buyer_hash: optional(() => data.slice(need(32), at)),
  };
  if (at !== data.length) throw new Error(`${data.length - at} bytes follow the leaf`);
  if ((leaf.order_id === null) !== (leaf.line_id === null)) {
    throw new Error("an order line is named by both its order id and its line id");
  }
  return leaf;
}

// The 57 bytes a tree head's signature covers (signing.py).
export function encodeHead(treeSize, timestampMs, root) {
  const out = new Uint8Array(57);
  const view = new DataView(out.buffer);
  out.set(HEAD_MAGIC, 0);
  out[8] = 1;
  view.setBigUint64(9, BigInt(treeSize));
  view.setBigUint64(17, BigInt(timestampMs));
  out.set(root, 25);
  return out;
}

// A public key published as base64 of the raw 32 bytes, or as PEM.
export async function importPublicKey(text) {
  const given = text.trim();
  let raw;
  if (given.startsWith("-----BEGIN")) {
    const body = given.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    const der = fromBase64(body, "the PEM public key");
    raw = der.slice(der.length - 32);
    if (der.length !== 44) throw new Error("the PEM does not hold an Ed25519 public key");
  } else {
    raw = fromBase64(given, "the public key");
    if (raw.length !== 32) throw new Error(`a raw Ed25519 public key is 32 bytes, not ${raw.length}`);
  }
  const key = await subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  return { key, keyId: hex(await sha256(raw)) };
}

async function buyerHash(salt, buyerId) {
  const key = await subtle.importKey("raw", salt, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await subtle.sign("HMAC", key, new TextEncoder().encode(buyerId)));
}

const instant = (micros) => new Date(Number(micros / 1000n)).toISOString().replace(".000Z", "Z");

export function receiptLines(document) {
  if (document && typeof document === "object" && !Array.isArray(document)) {
    for (const name of ["lines", "items"]) {
      if (Array.isArray(document[name])) return document[name].filter((l) => l && typeof l === "object");
    }
    if ("log" in document) return [document];
  }
  throw new ReceiptFormatError(
    "not a dermawan receipt: expected an order receipt (lines), a buyer's receipts " +
      "(items) or one receipt line (log)",
  );
}

async function checkLeaf(check, line, entry, size, root) {
  if (!entry || typeof entry !== "object" || !Number.isInteger(entry.leaf_index)) {
    check.problems.push("a log entry has no leaf_index");
    return null;
  }
  const index = entry.leaf_index;
  let data;
  let leaf;
  try {
    data = fromBase64(entry.leaf, `leaf ${index}`);
    leaf = decodeLeaf(data);
  } catch (error) {
    check.problems.push(`leaf ${index} is not a donation leaf: ${error.message}`);
    return null;
  }
  if (entry.audit_path === null || entry.audit_path === undefined) {
    check.problems.push(
      `leaf ${index} (${leaf.kind}) has no inclusion proof yet: no signed tree head ` +
        "covers it; fetch the receipt again after the next head",
    );
    return leaf;
  }
  try {
    if (!Array.isArray(entry.audit_path)) throw new Error("the proof is not a list");
    const path = entry.audit_path.map((h, n) => fromBase64(h, `node ${n} of the proof`));
    const reached = await rootFromInclusion(index, size, await leafHash(data), path);
    if (!equal(reached, root)) {
      throw new Error(`the proof does not lead to the root of the tree of size ${size}`);
    }
  } catch (error) {
    check.problems.push(`leaf ${index} (${leaf.kind}) is not proven in the log: ${error.message}`);
    return leaf;
  }
  check.proven.push(
    `leaf ${index} is in the log's tree of size ${size}: ${leaf.kind} ${leaf.amount_minor} ` +
      `${leaf.currency} (minor units) at ${instant(leaf.occurred_at_us)} for project ` +
      `${leaf.project_id} of charity ${leaf.charity_id}` +
      (leaf.event_id ? ` (event ${leaf.event_id})` : ""),
  );
  if (entry.kind !== undefined && entry.kind !== leaf.kind) {
    check.problems.push(`leaf ${index} is ${leaf.kind}, the receipt says ${entry.kind}`);
  }
  for (const name of ["order_id", "line_id", "project_id", "charity_id", "currency"]) {
    if (line[name] !== undefined && line[name] !== null && line[name] !== leaf[name]) {
      check.problems.push(`leaf ${index} has ${name} '${leaf[name]}'; the receipt says '${line[name]}'`);
    }
  }
  return leaf;
}

async function checkLine(line, publicKey) {
  const check = { line: `order ${line.order_id ?? "?"} line ${line.line_id ?? "?"}`, proven: [], problems: [] };
  const log = line.log;
  if (!log || typeof log !== "object" || !Array.isArray(log.entries)) {
    check.problems.push("its log has no entries");
    return check;
  }
  const head = log.tree_head;
  if (!head) {
    check.problems.push("no signed tree head covers it yet; fetch the receipt again later");
    return check;
  }
  let root;
  let signature;
  try {
    if (!Number.isInteger(head.tree_size) || !Number.isInteger(head.timestamp_ms)) {
      throw new Error("its tree_size and timestamp_ms are not whole numbers");
    }
    root = fromBase64(head.root_hash, "the root hash");
    signature = fromBase64(head.signature, "the signature");
    if (root.length !== 32) throw new Error("the root hash is not 32 bytes");
  } catch (error) {
    check.problems.push(`its tree head is malformed: ${error.message}`);
    return check;
  }
  if (head.key_id !== publicKey.keyId) {
    check.problems.push(
      `its tree head names key ${head.key_id}, not the public key given (${publicKey.keyId})`,
    );
  }
  const message = encodeHead(head.tree_size, head.timestamp_ms, root);
  const signed =
    signature.length === 64 &&
    (await subtle.verify({ name: "Ed25519" }, publicKey.key, signature, message));
  if (!signed) {
    check.problems.push("the tree head's signature does not verify with the public key");
    return check;
  }
  check.proven.push(
    `the log's key signed a tree head of size ${head.tree_size} at ` +
      new Date(head.timestamp_ms).toISOString(),
  );
  const found = [];
  for (const entry of log.entries) {
    const leaf = await checkLeaf(check, line, entry, head.tree_size, root);
    if (leaf) found.push(leaf);
  }
  if (Number.isInteger(log.entries_waiting) && log.entries_waiting > 0) {
    check.problems.push(
      `${log.entries_waiting} of its effects are committed and not yet in the log; ` +
        "fetch the receipt again in a moment",
    );
  }
  if (check.problems.length) return check;
  for (const [kind, name] of [
    ["pledged", "donation_minor"],
    ["reversed", "reversed_minor"],
  ]) {
    if (!Number.isInteger(line[name])) continue;
    const logged = found.filter((l) => l.kind === kind).reduce((n, l) => n + l.amount_minor, 0n);
    if (logged !== BigInt(line[name])) {
      check.problems.push(`the receipt's ${name} is ${line[name]}; its ${kind} leaves add up to ${logged}`);
    } else if (line[name]) {
      check.proven.push(`the receipt's ${name} ${line[name]} is what the log holds`);
    }
  }
  const hashed = found.filter((l) => l.buyer_hash !== null);
  if (hashed.length) {
    if (typeof line.buyer_id !== "string" || !log.buyer_salt) {
      check.proven.push("the leaves hold a buyer hash; no buyer and salt to open it with");
    } else {
      try {
        const salt = fromBase64(log.buyer_salt, "the buyer salt");
        const expected = await buyerHash(salt, line.buyer_id);
        if (salt.length >= 16 && hashed.every((l) => equal(l.buyer_hash, expected))) {
          check.proven.push(`the leaves' buyer hash opens to buyer ${line.buyer_id} with this salt`);
        } else {
          check.problems.push(`the leaves' buyer hash does not open to buyer ${line.buyer_id}`);
        }
      } catch (error) {
        check.problems.push(error.message);
      }
    }
  }
  return check;
}

// Check every line of a receipt document that carries log entries.
export async function checkReceipt(document, publicKeyText) {
  const publicKey = await importPublicKey(publicKeyText);
  const lines = receiptLines(document).filter((l) => l.log !== null && l.log !== undefined);
  if (!lines.length) throw new ReceiptFormatError("the receipt has no line with log entries to check");
  const checked = [];
  for (const line of lines) {
    const check = await checkLine(line, publicKey);
    checked.push({ ...check, ok: check.problems.length === 0 });
  }
  return {
    ok: checked.every((c) => c.ok),
    key_id: publicKey.keyId,
    lines: checked,
    not_proven: NOT_PROVEN,
  };
}
