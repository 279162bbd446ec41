/**
 * Report extraction: the rule-based extractor's accuracy against what the phantom reports say
 * (their findings by organ and impression lines, before layout), its speed with grounding, and
 * the LLM pipeline's own overhead per report (client, validation, grounding) against a
 * loopback server that speaks Ollama's API and answers at once. A real model's time per
 * report (seconds, on the GPU) comes on top and is not measured here.
 */
import { planCohort, writePhantomReportWithContent, type PhantomRegion, type ScannerName } from '../src/main/phantoms';
import { tokenize } from '../src/main/text/extraction/grounding';
import { organSystemsOf } from '../src/main/text/extraction/organ-keywords';
import { extractWithRules } from '../src/main/text/extraction/rule-extractor';
import { sentenceDrafts } from '../src/main/text/extraction/sentence-drafts';
import { extractWithLlm } from '../src/main/text/ollama/llm-extractor';
import { OllamaConnection } from '../src/main/text/ollama/ollama-connection';
import { startFakeOllama } from '../tests/helpers/fake-ollama-server';
import { time, type Measurement } from './bench-utils';

function contains(haystack: string, needle: string): boolean {
  const words = (text: string): string =>
    tokenize(text)
      .map((token) => token.text)
      .join(' ');
  return ` ${words(haystack)} `.includes(` ${words(needle)} `);
}

export async function runExtractionBench(): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (const region of ['abdomen', 'chest'] as PhantomRegion[]) {
    for (const scanner of ['source', 'second'] as ScannerName[]) {
      const plans = planCohort({ region, count: 250, seed: 77, scanner });
      const reports = plans.map((plan) => writePhantomReportWithContent(plan));
      let findings = 0;
      let findingsHit = 0;
      let impression = 0;
      let impressionHit = 0;
      let organs = 0;
      let organsHit = 0;
      const timed = await time(() => {
        for (const { text, content } of reports) {
          const extracted = extractWithRules(text);
          sentenceDrafts(text, extracted);
          for (const statement of content.findings) {
            if (!contains(text, statement.text)) continue;
            findings += 1;
            if (contains(extracted.sections.findings, statement.text)) findingsHit += 1;
            const expected = organSystemsOf(statement.organ);
            if (expected.length === 0) continue;
            organs += 1;
            const found = expected.some((organ) =>
              (extracted.anatomy[organ] ?? []).some((sentence) => contains(statement.text, sentence)),
            );
            if (found) organsHit += 1;
          }
          for (const line of content.impression) {
            if (!contains(text, line)) continue;
            impression += 1;
            if (contains(extracted.sections.impression, line)) impressionHit += 1;
          }
        }
      });
      const label = `${region}, ${scanner} scanner, ${plans.length} reports`;
      measurements.push(
        {
          name: `rules: findings statements placed in Findings (${label})`,
          value: (100 * findingsHit) / findings,
          unit: '%',
        },
        {
          name: `rules: impression lines placed in Impression (${label})`,
          value: (100 * impressionHit) / impression,
          unit: '%',
        },
        {
          name: `rules: findings sentences under their organ system (${label})`,
          value: (100 * organsHit) / organs,
          unit: '%',
        },
        { name: `rules + grounding throughput (${label})`, value: (1000 * plans.length) / timed.ms, unit: 'reports/s' },
      );
    }
  }

  const texts = planCohort({ region: 'abdomen', count: 60, seed: 78, scanner: 'source' }).map(
    (plan) => writePhantomReportWithContent(plan).text,
  );
  const server = await startFakeOllama();
  try {
    const connection = new OllamaConnection({ host: server.host });
    for (const concurrency of [1, 4]) {
      const queue = [...texts];
      const timed = await time(async () => {
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            for (let text = queue.shift(); text !== undefined; text = queue.shift()) {
              const result = await extractWithLlm(connection, text, {
                model: 'qwen3:8b',
                retries: 2,
                timeoutMs: 10_000,
              });
              sentenceDrafts(text, result.report);
            }
          }),
        );
      });
      measurements.push({
        name: `LLM pipeline overhead per report, instant loopback model, concurrency ${concurrency}`,
        value: timed.ms / texts.length,
        unit: 'ms',
        target: '< 50 ms (a model takes seconds)',
      });
    }
  } finally {
    await server.close();
  }
  return measurements;
}
