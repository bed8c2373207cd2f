// "Recent security activity": one plain sentence per event of GET /profile/activity, and a short name for the browser
// that caused it. Pure functions of the API's answer, kept apart from the page so a test can call them directly.
// The API may add event types (and detail keys) later: an unknown one gets a generic line, never an error.

/**
 * @typedef {import('./api.js').Schemas['AuditEventResponse']} ActivityEvent
 * @typedef {Record<string, string>} Detail
 */

/** @type {Map<string, (event: ActivityEvent, detail: Detail) => string>} */
const sentences = new Map([
  ['login_succeeded', (_, detail) => 'Signed in' + (secondFactors.has(detail.secondFactor) ? ` (with ${secondFactors.get(detail.secondFactor)})` : '')],
  ['login_failed', (_, detail) => detail.reason ? `Failed sign-in: ${failureReasons.get(detail.reason) ?? words(detail.reason)}` : 'Failed sign-in'],
  ['account_locked', locked],
  ['logout', () => 'Signed out'],
  ['session_revoked', (event, detail) => byAdmin(event, detail) ? 'An administrator ended one of your sessions' : 'Ended a session'],
  ['other_sessions_revoked', (_, detail) => 'Signed out all other sessions' + (detail.count ? ` (${sessionCount(detail.count)} ended)` : '')],
  ['password_changed', () => 'Password changed'],
  // Anyone who types the address can ask, so this names no one.
  ['password_reset_requested', () => 'A password reset link was requested'],
  ['password_reset_completed', () => 'Password reset with a mailed link'],
  ['email_verified', () => 'Email address confirmed'],
  ['two_factor_enabled', () => 'Two-factor authentication turned on'],
  ['two_factor_disabled', (event, detail) => byAdmin(event, detail)
    ? 'An administrator turned off your two-factor authentication'
    : 'Two-factor authentication turned off'],
  ['recovery_codes_regenerated', () => 'Recovery codes regenerated'],
  ['recovery_code_used', () => 'A recovery code was used'],
  ['user_created', (event, detail) => byAdmin(event, detail) ? 'An administrator created your account' : 'Account created'],
  ['role_changed', (_, detail) => detail.from && detail.to
    ? `An administrator changed your role from ${detail.from} to ${detail.to}`
    : 'An administrator changed your role'],
  ['user_disabled', () => 'An administrator disabled your account'],
  ['user_enabled', () => 'An administrator enabled your account again'],
  ['admin_forced_logout', (_, detail) => 'An administrator signed you out everywhere'
    + (detail.sessionsEnded ? ` (${sessionCount(detail.sessionsEnded)} ended)` : '')],
  ['password_check_failed', (_, detail) => detail.reason === 'second_factor_wrong'
    ? 'A signed-in session gave a wrong two-factor code'
    : 'A signed-in session gave a wrong current password'],
]);

/** The event types this page has a sentence for. */
export const knownTypes = [...sentences.keys()];

const secondFactors = new Map([['totp', 'an authenticator code'], ['recovery_code', 'a recovery code']]);

const failureReasons = new Map([
  ['wrong_password', 'wrong password'],
  ['unknown_email', 'unknown email address'],
  ['disabled', 'the account is disabled'],
  ['locked', 'too many attempts, the account was locked'],
  // The password was right and no code came with it: the first step of every two-factor sign-in (and all that someone
  // who only knows the password gets).
  ['second_factor_missing', 'the password was right, the two-factor code was still to come'],
  ['second_factor_wrong', 'wrong or already used two-factor code'],
  ['email_not_verified', 'email address not confirmed yet'],
]);

/**
 * The sentence for one event; an event type this page does not know yet is shown by its name.
 * @param {ActivityEvent} event
 */
export function describeEvent(event) {
  const sentence = sentences.get(event.type);
  if (!sentence) {
    return `Security event: ${event.type}`;
  }
  try {
    return sentence(event, event.detail ?? {});
  } catch {
    return `Security event: ${event.type}`;
  }
}

/**
 * "Chrome on Linux" for a user agent string; an empty string when there was none (an administrator acted, or the
 * client sent no header).
 * @param {string | null} userAgent
 */
export function describeBrowser(userAgent) {
  if (!userAgent) {
    return '';
  }
  const browser = browsers.find(([token]) => userAgent.includes(token))?.[1]
    ?? (userAgent.includes('Safari/') && userAgent.includes('Version/') ? 'Safari' : productName(userAgent));
  const system = systems.find(([token]) => userAgent.includes(token))?.[1];
  return system ? `${browser} on ${system}` : browser;
}

// Order matters: Edge and Opera say "Chrome" too, and every iPhone says "like Mac OS X".
/** @type {[string, string][]} */
const browsers = [
  ['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['FxiOS/', 'Firefox'],
  ['HeadlessChrome/', 'Chrome'], ['CriOS/', 'Chrome'], ['Chrome/', 'Chrome'],
];

/** @type {[string, string][]} */
const systems = [
  ['Windows', 'Windows'], ['Android', 'Android'], ['iPhone', 'iOS'], ['iPad', 'iPadOS'], ['CrOS', 'ChromeOS'],
  ['Mac OS X', 'macOS'], ['Linux', 'Linux'],
];

/**
 * The first product of a user agent that is no known browser ("curl/8.5.0" is curl), at most 40 characters.
 * @param {string} userAgent
 */
function productName(userAgent) {
  const first = userAgent.trim().split(/[\s/]/)[0] ?? '';
  return !first || first === 'Mozilla' ? 'Unknown browser' : first.slice(0, 40);
}

/**
 * @param {ActivityEvent} event
 * @param {Detail} detail
 */
function locked(event, detail) {
  const until = detail.until ? new Date(detail.until) : null;
  const when = until && !Number.isNaN(until.getTime()) ? ` until ${timeOfDay(until, new Date(event.at))}` : '';
  return detail.budget === 'device' ? `Sign-in from one of your browsers locked${when}` : `Account locked${when}`;
}

/**
 * The time (local) alone when it falls on the day of the event, else the date too.
 * @param {Date} time
 * @param {Date} day
 */
function timeOfDay(time, day) {
  return time.toDateString() === day.toDateString()
    ? time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : time.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/**
 * An administrator acted: the actor is someone else than the account's owner (the API then leaves out their address).
 * @param {ActivityEvent} event
 * @param {Detail} detail
 */
function byAdmin(event, detail) {
  return (event.actorId !== null && event.actorId !== event.userId) || detail.by === 'admin';
}

/** @param {string} count */
function sessionCount(count) {
  return count === '1' ? '1 session' : `${count} sessions`;
}

/** @param {string} snakeCase */
function words(snakeCase) {
  return snakeCase.replaceAll('_', ' ');
}
