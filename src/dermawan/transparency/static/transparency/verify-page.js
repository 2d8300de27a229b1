// The page at /receipts/verify: paste a receipt, check it here, in this browser.
import { checkReceipt } from "./verify.js";

const form = document.getElementById("receipt-check");
const result = document.getElementById("receipt-result");

function item(list, text, className) {
  const li = document.createElement("li");
  li.textContent = text;
  if (className) li.className = className;
  list.append(li);
}

function show(outcome) {
  result.replaceChildren();
  const verdict = document.createElement("p");
  verdict.className = outcome.ok ? "verdict ok" : "verdict failed";
  verdict.dataset.verdict = outcome.ok ? "verified" : "not-verified";
  verdict.textContent = outcome.ok
    ? `Receipt verified against log key ${outcome.key_id}.`
    : "Receipt NOT verified: see the problems below.";
  result.append(verdict);
  for (const line of outcome.lines) {
    const heading = document.createElement("h3");
    heading.textContent = `${line.line}: ${line.ok ? "verified" : "NOT verified"}`;
    const list = document.createElement("ul");
    for (const text of line.proven) item(list, `Proven: ${text}`, "proven");
    for (const text of line.problems) item(list, `Problem: ${text}`, "problem");
    result.append(heading, list);
  }
  const caveat = document.createElement("h3");
  caveat.textContent = "Not proven by any receipt";
  const list = document.createElement("ul");
  for (const text of outcome.not_proven) item(list, text);
  result.append(caveat, list);
}

function refuse(message) {
  result.replaceChildren();
  const p = document.createElement("p");
  p.className = "verdict failed";
  p.dataset.verdict = "refused";
  p.textContent = message;
  result.append(p);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  let document_;
  try {
    document_ = JSON.parse(form.elements.receipt.value);
  } catch (error) {
    refuse(`The receipt is not JSON: ${error.message}`);
    return;
  }
  try {
    show(await checkReceipt(document_, form.elements.public_key.value));
  } catch (error) {
    refuse(`Cannot check this: ${error.message}`);
  }
});
form.dataset.ready = "true";
