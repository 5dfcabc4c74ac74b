import type { UserStatus } from './shapes.js';

// Facts a use case loads and hands to a machine on its events (or input), judged here by the same
// pure rules in every chart: who the user is now, and what the request asks for.

/** What a login asks for besides the proof: the audience it wants (`resource`, or none), and the
 * app's allow-list it is judged against. Neither is a secret: both may reach the log. */
export interface ResourceRequest {
  readonly resource: string | null;
  readonly allowedResources: readonly string[];
}

/** A disabled user authenticates nothing (and is sent no code). */
export const isDisabled = (status: UserStatus): boolean => status === 'Disabled';

/** A resource the app does not list cannot become a token's audience. An event logged before
 * these facts were handed in (a long-lived credential's or session's log, replayed) has neither
 * field: it asked for no resource, as the use case then checked. */
export const isResourceRefused = (request: ResourceRequest): boolean => typeof request.resource === 'string' && !(request.allowedResources ?? []).includes(request.resource);
