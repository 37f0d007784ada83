/**
 * A Messages-only Anthropic client: the SDK's own BaseAnthropic (transport, headers, timeouts, error
 * classes) with just the Messages resource attached. The SDK's `Anthropic` class statically imports
 * every resource (beta, files, models, skills, organization…), which the Worker bundle carried for
 * nothing: ≈ 270 KiB minified (issue 10 §2, README "Deploying to Workers"). Same requests, same errors.
 */
import { BaseAnthropic } from '@anthropic-ai/sdk/client';
import { Messages } from '@anthropic-ai/sdk/resources/messages/messages';

export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk/core/error';

export class MessagesClient extends BaseAnthropic {
  readonly messages: Messages = new Messages(this);
}
