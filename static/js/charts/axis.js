// Ticks for a time axis: a round step (1, 2, 5 × a power of ten seconds, or whole minutes and hours) giving about
// `count` ticks over `span` seconds.
import { duration } from "../dom.js";

const STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

export function ticks(span, count = 6) {
  const step = STEPS.find((candidate) => span / candidate <= count) || Math.ceil(span / count / 86400) * 86400;
  const values = [];
  for (let value = 0; value <= span + 1e-9; value += step) values.push(value);
  return values.map((value) => ({ value, label: value === 0 ? "0" : duration(value) }));
}
