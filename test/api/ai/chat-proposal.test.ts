// Issue 15 §3: the chat assistant may offer a rewrite. About a report, the model is offered the
// propose_regeneration tool; a call becomes `proposal` in the reply — the body the client sends back to
// generate-analysis — and nothing runs until it does.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROPOSE_TOOL } from '../../../src/ai/regeneration-proposal.js';
import { message, text } from '../../support/fake-anthropic.js';
import type { TestUser } from '../../support/harness.js';
import { answerSections, generate, newUser, parseSse, premiumAnalysis, startAiSuite, type AiSuite } from './setup.js';

let s: AiSuite;
let user: TestUser;
let reportId: string;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.fake.reset();
  user = await newUser(s.t, 10);
  s.fake.setDefault(answerSections());
  reportId = await premiumAnalysis(s.t, user);
  await generate(s.t, user, { analysis_id: reportId });
  s.fake.reset();
});

const FEEDBACK = 'Target university students instead of working parents.';
const proposeCall = (input: unknown) =>
  message([{ type: 'text', text: 'I can rewrite the market section for students.' }, { type: 'tool_use', name: PROPOSE_TOOL, input }], 'tool_use');
const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  s.t.request('POST', '/api/ai/chat', { token: user.token, body, headers });

describe('chat proposes a regeneration', () => {
  it('offers the tool about a report; a call becomes `proposal`, which generate-analysis accepts as is', async () => {
    s.fake.enqueue(proposeCall({ sections: ['market'], feedback: FEEDBACK }));
    const res = await chat({ message: 'My customers are students, can you change the market part?', analysis_id: reportId });
    expect(res.status, res.text).toBe(200);
    expect(s.fake.requests[0]!.toolNames).toEqual([PROPOSE_TOOL]);
    expect(s.fake.requests[0]!.forcedTool).toBeNull();
    expect(res.body.data.message.content).toBe('I can rewrite the market section for students.');
    expect(res.body.data.proposal).toEqual({ analysis_id: reportId, sections: ['market'], feedback: FEEDBACK, force: true });
    expect(s.fake.requests).toHaveLength(1); // nothing ran

    s.fake.setDefault(answerSections());
    const run = await generate(s.t, user, res.body.data.proposal);
    expect(run.status, run.text).toBe(200);
    expect(s.fake.requests.at(-1)!.text).toContain(`<founder_feedback>\n${FEEDBACK}\n</founder_feedback>`);
    const history = await s.t.request('GET', `/api/analyses/${reportId}/regenerations`, { token: user.token });
    expect(history.body.data[0]).toMatchObject({ sections: ['market'], feedback: FEEDBACK });
  });

  it('streams the proposal in `done`; an invalid call (unknown section) yields no proposal; general chat offers no tool', async () => {
    s.fake.enqueue(proposeCall({ sections: ['market'], feedback: FEEDBACK }));
    const streamed = await chat({ message: 'Change the market part', analysis_id: reportId }, { accept: 'text/event-stream' });
    const done = parseSse(streamed.text).at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.proposal).toEqual({ analysis_id: reportId, sections: ['market'], feedback: FEEDBACK, force: true });

    s.fake.enqueue(proposeCall({ sections: ['marketing'], feedback: FEEDBACK }));
    const invalid = await chat({ message: 'Change it', analysis_id: reportId });
    expect(invalid.status).toBe(200);
    expect(invalid.body.data.proposal).toBeUndefined();

    s.fake.enqueue(text('General advice.'));
    const general = await chat({ message: 'How do I register a company?' });
    expect(s.fake.requests.at(-1)!.toolNames).toEqual([]);
    expect(general.body.data.proposal).toBeUndefined();
  });
});
