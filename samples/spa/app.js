// A single-page app routed by the URL hash: login, forgot and reset password, verify email (public), dashboard, sessions
// and admin (logged in). Links in the API's mails open #/reset?token=... and #/verify?token=....
import { describeBrowser, describeEvent } from './activity.js';
import { api, ApiError } from './api.js';
import { qrcode } from './vendor/qrcode-generator/qrcode.js';

/** @typedef {import('./api.js').Schemas} Schemas */

const view = byId('view');
const nav = byId('nav');
const banner = byId('banner');
/** @type {Schemas['UserResponse'] | null} */
let me = null;
/** @type {string | null} A message for the next page, shown once it is rendered. */
let notice = null;
/** Security events per page of the dashboard's activity list. */
const activityPageSize = 10;

/** @type {Record<string, () => void | Promise<void>>} */
const routes = {
  '#/login': renderLogin,
  '#/forgot': renderForgot,
  '#/reset': renderReset,
  '#/verify': renderVerify,
  '#/dashboard': renderDashboard,
  '#/sessions': renderSessions,
  '#/admin': renderAdmin,
};

// Pages anyone may open: a reset or verification link works whether or not this browser is logged in.
const publicRoutes = ['#/login', '#/forgot', '#/reset', '#/verify'];

window.addEventListener('hashchange', route);
byId('logout').addEventListener('click', logout);
start();

// GET /session answers 200 whether or not the user is logged in, so booting logs no 401 in the console.
async function start() {
  try {
    const session = await api('get', '/session');
    me = session.authenticated ? session.user : null;
  } catch (error) {
    me = null;
    showBanner(error);
  }
  route();
}

async function route() {
  banner.hidden = true;
  const path = location.hash.split('?')[0];
  const hash = path in routes ? path : '#/dashboard';
  if (!me && !publicRoutes.includes(hash)) {
    location.hash = '#/login';
    return;
  }
  if (me && hash === '#/login') {
    location.hash = '#/dashboard';
    return;
  }
  renderNav();
  try {
    await routes[hash]();
    if (notice) {
      showBanner(notice);
      notice = null;
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      me = null;
      location.hash = '#/login';
      if (error.code === 'session_expired') {
        showBanner(error);
      }
      return;
    }
    showBanner(error);
  }
}

function renderNav() {
  nav.hidden = !me;
  byId('admin-link').hidden = me?.role !== 'admin';
  byId('who').textContent = me ? `${me.name} (${me.role})` : '';
}

function renderLogin() {
  view.innerHTML = `
    <h1>Log in</h1>
    <form id="login-form" novalidate>
      <label>Email <input name="email" type="email" autocomplete="username" required></label>
      <p class="field-error" data-for="email"></p>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <p class="field-error" data-for="password"></p>
      <label class="inline"><input name="rememberMe" type="checkbox"> Remember me</label>
      <button type="submit">Log in</button>
      <p class="form-error" role="alert" id="login-error"></p>
    </form>
    <p><a href="#/forgot">Forgot your password?</a></p>`;
  const form = /** @type {HTMLFormElement} */ (byId('login-form'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    try {
      const result = await api('post', '/login', {
        body: {
          email: String(data.get('email') ?? ''),
          password: String(data.get('password') ?? ''),
          rememberMe: data.get('rememberMe') === 'on',
        },
      });
      me = result.user;
      location.hash = '#/dashboard';
    } catch (error) {
      if (error instanceof ApiError && error.code === 'two_factor_required') {
        renderSecondFactor({
          email: String(data.get('email') ?? ''),
          password: String(data.get('password') ?? ''),
          rememberMe: data.get('rememberMe') === 'on',
        });
        return;
      }
      showFormError(form, byId('login-error'), error);
      if (error instanceof ApiError && error.code === 'email_not_verified') {
        offerResend(String(data.get('email') ?? ''));
      }
    }
  });
}

/**
 * A login's second step: the password was right and the API asks for a code. The password stays in this closure, in
 * memory only, to send the login again with the code (the API keeps no half-logged-in state); nothing stores it, and it
 * is gone with this form: on success, "Back to log in" or any navigation.
 * @param {{ email: string, password: string, rememberMe: boolean }} credentials
 */
function renderSecondFactor(credentials) {
  view.innerHTML = `
    <h1>Two-factor authentication</h1>
    <form id="second-factor-form" novalidate>
      <p id="second-factor-prompt"></p>
      <label><span id="second-factor-label"></span> <input id="second-factor-code" name="code" required></label>
      <p class="field-error" data-for="twoFactorCode"></p>
      <p class="field-error" data-for="twoFactorRecoveryCode"></p>
      <button type="submit">Verify</button>
      <p class="form-error" role="alert" id="second-factor-error"></p>
    </form>
    <p class="actions">
      <button type="button" class="secondary" id="second-factor-mode"></button>
      <button type="button" class="secondary" id="second-factor-back">Back to log in</button>
    </p>`;
  const form = /** @type {HTMLFormElement} */ (byId('second-factor-form'));
  const input = /** @type {HTMLInputElement} */ (byId('second-factor-code'));
  let useRecoveryCode = false;
  const showMode = () => {
    clearErrors(form);
    input.value = '';
    text('second-factor-prompt', useRecoveryCode
      ? 'Enter one of the recovery codes you stored when you turned on two-factor authentication. Each code works once.'
      : 'Enter the 6-digit code your authenticator app shows for this account.');
    text('second-factor-label', useRecoveryCode ? 'Recovery code' : 'Authenticator code');
    text('second-factor-mode', useRecoveryCode ? 'Use the authenticator app instead' : 'Use a recovery code instead');
    input.inputMode = useRecoveryCode ? 'text' : 'numeric';
    input.autocomplete = useRecoveryCode ? 'off' : 'one-time-code';
    input.focus();
  };
  showMode();
  byId('second-factor-mode').addEventListener('click', () => {
    useRecoveryCode = !useRecoveryCode;
    showMode();
  });
  byId('second-factor-back').addEventListener('click', renderLogin);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = input.value.trim();
    const field = useRecoveryCode ? 'twoFactorRecoveryCode' : 'twoFactorCode';
    if (!code) {
      showFieldError(form, field, useRecoveryCode ? 'Enter a recovery code.' : 'Enter the code from your app.');
      return;
    }
    try {
      const result = await api('post', '/login', { body: { ...credentials, [field]: code } });
      me = result.user;
      location.hash = '#/dashboard';
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_credentials') {
        // The password stopped working between the two steps (changed meanwhile): start again.
        renderLogin();
        showFormError(/** @type {HTMLFormElement} */ (byId('login-form')), byId('login-error'), error);
        return;
      }
      showFormError(form, byId('second-factor-error'), error);
      input.select();
    }
  });
}

/** @param {string} email */
function offerResend(email) {
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'resend-verification';
  button.textContent = 'Send the verification link again';
  button.addEventListener('click', async () => {
    const answer = await api('post', '/email/verify/resend', { body: { email } });
    button.replaceWith(Object.assign(document.createElement('p'), { textContent: answer.message }));
  });
  view.append(button);
}

function renderForgot() {
  view.innerHTML = `
    <h1>Forgot your password?</h1>
    <form id="forgot-form" novalidate>
      <label>Email <input name="email" type="email" autocomplete="username" required></label>
      <p class="field-error" data-for="email"></p>
      <button type="submit">Mail me a reset link</button>
      <p class="form-error" role="alert" id="forgot-error"></p>
    </form>
    <p id="forgot-done" role="status" hidden></p>
    <p><a href="#/login">Back to log in</a></p>`;
  const form = /** @type {HTMLFormElement} */ (byId('forgot-form'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const answer = await api('post', '/password/forgot', { body: { email: String(new FormData(form).get('email') ?? '') } });
      form.hidden = true;
      text('forgot-done', answer.message);
      byId('forgot-done').hidden = false;
    } catch (error) {
      showFormError(form, byId('forgot-error'), error);
    }
  });
}

function renderReset() {
  const token = tokenFromLink();
  view.innerHTML = `
    <h1>Choose a new password</h1>
    <form id="reset-form" novalidate>
      <label>New password <input name="newPassword" type="password" autocomplete="new-password" required></label>
      <p class="field-error" data-for="newPassword"></p>
      <p class="field-error" data-for="token"></p>
      <button type="submit">Set the password</button>
      <p class="form-error" role="alert" id="reset-error"></p>
    </form>`;
  const form = /** @type {HTMLFormElement} */ (byId('reset-form'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await api('post', '/password/reset', { body: { token, newPassword: String(new FormData(form).get('newPassword') ?? '') } });
      // Every session ended with the reset, this browser's too.
      me = null;
      notice = 'Your password is changed. Log in with the new one.';
      location.hash = '#/login';
    } catch (error) {
      showFormError(form, byId('reset-error'), error);
    }
  });
}

async function renderVerify() {
  view.innerHTML = '<h1 id="verify-title">Confirming your email address…</h1><p id="verify-result" role="status"></p>';
  try {
    await api('post', '/email/verify', { body: { token: tokenFromLink() } });
    text('verify-title', 'Email address confirmed');
    text('verify-result', 'Your email address is confirmed.');
    if (me) {
      me = { ...me, emailVerified: true };
    }
  } catch (error) {
    text('verify-title', 'This link did not work');
    text('verify-result', error instanceof ApiError ? describe(error) : String(error));
  }
}

// The token rides in the URL's fragment (#/reset?token=...), which browsers never send to any server.
function tokenFromLink() {
  return new URLSearchParams(location.hash.split('?')[1] ?? '').get('token') ?? '';
}

async function renderDashboard() {
  const [dashboard, profile, twoFactor, activity] = await Promise.all([
    api('get', '/dashboard'),
    api('get', '/profile'),
    api('get', '/profile/2fa'),
    api('get', '/profile/activity', { query: { limit: activityPageSize } }),
  ]);
  me = profile;
  renderNav();
  view.innerHTML = `
    <h1>Dashboard</h1>
    <dl class="card">
      <dt>Name</dt><dd id="profile-name"></dd>
      <dt>Email</dt><dd id="profile-email"></dd>
      <dt>Role</dt><dd id="profile-role"></dd>
      <dt>Member since</dt><dd id="profile-created"></dd>
      <dt>Visits in this session</dt><dd id="visits"></dd>
    </dl>`;
  text('profile-name', profile.name);
  text('profile-email', profile.email);
  text('profile-role', profile.role);
  text('profile-created', new Date(profile.createdAt).toLocaleString());
  text('visits', String(dashboard.visits));
  if (!profile.emailVerified) {
    view.append(Object.assign(document.createElement('p'), {
      id: 'verify-notice',
      textContent: 'Your email address is not confirmed yet: open the link we mailed you.',
    }));
    offerResend(profile.email);
  }
  const twoFactorSection = panel('two-factor');
  const activitySection = panel('activity');
  const refreshActivity = renderActivity(activitySection, activity);
  renderTwoFactor(twoFactorSection, twoFactor, refreshActivity);
}

/**
 * A section of the dashboard, appended to the view.
 * @param {string} id
 */
function panel(id) {
  const section = document.createElement('section');
  section.id = id;
  section.className = 'panel';
  view.append(section);
  return section;
}

/**
 * The dashboard's "Recent security activity": the user's own events, newest first, a page at a time ("Show more" asks
 * for the events before the last one shown). Returns a function that loads the first page again, for after an action
 * on this page that adds an event.
 * @param {HTMLElement} section
 * @param {Schemas['AuditPage']} firstPage
 */
function renderActivity(section, firstPage) {
  section.innerHTML = `
    <h2>Recent security activity</h2>
    <p>Sign-ins, failed sign-ins and changes to your account's security in the last 90 days, newest first.</p>
    <table>
      <thead><tr><th>When</th><th>What happened</th><th>IP address</th><th>Browser</th></tr></thead>
      <tbody id="activity-rows"></tbody>
    </table>
    <p id="activity-empty" hidden>Nothing yet.</p>
    <p class="form-error" role="alert" id="activity-error"></p>
    <button type="button" class="secondary" id="activity-more" hidden>Show more</button>`;
  const rows = /** @type {HTMLTableSectionElement} */ (byId('activity-rows'));
  const more = /** @type {HTMLButtonElement} */ (byId('activity-more'));
  const empty = byId('activity-empty');
  const problem = byId('activity-error');
  /** @type {number | null} */
  let next = null;
  // Each load of the first page starts a new list: an older request answering late must not add to it.
  let generation = 0;
  /**
   * @param {Schemas['AuditPage']} page
   * @param {boolean} append
   */
  const show = (page, append) => {
    if (!append) {
      rows.replaceChildren();
    }
    for (const event of page.items) {
      addActivityRow(rows, event);
    }
    next = page.next;
    more.hidden = next === null;
    empty.hidden = rows.rows.length > 0;
  };
  /** @param {number} [before] */
  const load = async (before) => {
    const mine = before === undefined ? ++generation : generation;
    more.disabled = true;
    problem.textContent = '';
    try {
      const page = await api('get', '/profile/activity', { query: { before, limit: activityPageSize } });
      if (mine === generation) {
        show(page, before !== undefined);
      }
    } catch (error) {
      if (!leaveIfSessionEnded(error)) {
        problem.textContent = error instanceof ApiError ? describe(error) : String(error);
      }
    } finally {
      if (mine === generation) {
        more.disabled = false;
      }
    }
  };
  more.addEventListener('click', () => {
    if (next !== null) {
      load(next);
    }
  });
  show(firstPage, false);
  return () => load();
}

/**
 * @param {HTMLTableSectionElement} rows
 * @param {Schemas['AuditEventResponse']} event
 */
function addActivityRow(rows, event) {
  const row = rows.insertRow();
  row.dataset.type = event.type;
  const time = document.createElement('time');
  time.dateTime = event.at;
  time.textContent = new Date(event.at).toLocaleString();
  row.insertCell().append(time);
  row.insertCell().textContent = describeEvent(event);
  row.insertCell().textContent = event.ip ?? '';
  const browser = row.insertCell();
  browser.textContent = describeBrowser(event.userAgent);
  if (event.userAgent) {
    browser.title = event.userAgent;
  }
}

/**
 * The dashboard's two-factor section: its status and actions, and below them one step at a time (the password to start
 * a setup; the key and a code to turn it on; the recovery codes, shown once; the password and a code to change it).
 * @param {HTMLElement} section
 * @param {Schemas['TwoFactorStatus']} status
 * @param {() => void} onChange Called after each change, which the activity list then shows.
 * @param {string} [message] What just happened.
 */
function renderTwoFactor(section, status, onChange, message = '') {
  section.innerHTML = `
    <h2>Two-factor authentication</h2>
    <p id="two-factor-status"></p>
    <p id="two-factor-message" role="status"></p>
    <p id="two-factor-actions" class="actions"></p>
    <div id="two-factor-step"></div>`;
  if (me) {
    me = { ...me, twoFactorEnabled: status.enabled };
  }
  text('two-factor-message', message);
  text('two-factor-status', status.enabled
    ? `On: logging in asks for a code from your authenticator app. ${describeRecoveryCodesLeft(status.recoveryCodesLeft)}`
    : 'Off: logging in needs only your password.' + (status.setupPending ? ' A setup was started but not finished: set it up again for a new key.' : ''));
  const actions = byId('two-factor-actions');
  const step = byId('two-factor-step');
  const close = () => {
    step.replaceChildren();
    actions.hidden = false;
  };
  /**
   * @param {string} id
   * @param {string} label
   * @param {() => void} open
   */
  const action = (id, label, open) => {
    const button = Object.assign(document.createElement('button'), { type: 'button', id, textContent: label });
    button.addEventListener('click', () => {
      actions.hidden = true;
      text('two-factor-message', '');
      open();
    });
    actions.append(button);
  };
  // Each change answers all the new state needs, so the page shows it without asking again (and a failed second request
  // can never swallow recovery codes that are shown only once).
  /**
   * @param {Schemas['TwoFactorStatus']} next
   * @param {string} done
   * @param {string[]} [recoveryCodes]
   */
  const changed = (next, done, recoveryCodes) => {
    renderTwoFactor(section, next, onChange, `${done} Every other session of yours was logged out.`);
    if (recoveryCodes) {
      showRecoveryCodes(section, recoveryCodes);
    }
    onChange();
  };
  if (!status.enabled) {
    action('two-factor-setup', 'Set up two-factor authentication', () => askPassword(step, close, async (currentPassword) => {
      const setup = await api('post', '/profile/2fa/setup', { body: { currentPassword } });
      showSharedKey(step, setup, close, async (code) => {
        const { recoveryCodes } = await api('post', '/profile/2fa/enable', { body: { code } });
        changed({ enabled: true, setupPending: false, recoveryCodesLeft: recoveryCodes.length }, 'Two-factor authentication is on.', recoveryCodes);
      });
    }));
    return;
  }
  action('two-factor-regenerate', 'Regenerate recovery codes', () => askPasswordAndCode(step, 'Regenerate the codes', close, async (body) => {
    const { recoveryCodes } = await api('post', '/profile/2fa/recovery-codes', { body });
    changed({ ...status, recoveryCodesLeft: recoveryCodes.length }, 'New recovery codes: the old ones no longer work.', recoveryCodes);
  }));
  action('two-factor-disable', 'Turn off', () => askPasswordAndCode(step, 'Turn off two-factor authentication', close, async (body) => {
    await api('post', '/profile/2fa/disable', { body });
    changed({ enabled: false, setupPending: false, recoveryCodesLeft: 0 }, 'Two-factor authentication is off.');
  }));
}

/** @param {number} left */
function describeRecoveryCodesLeft(left) {
  if (left === 0) {
    return 'No recovery codes left: regenerate them now.';
  }
  return `${left} recovery ${left === 1 ? 'code' : 'codes'} left.` + (left <= 3 ? ' Regenerate them soon.' : '');
}

/**
 * The current password, before a setup starts.
 * @param {HTMLElement} step
 * @param {() => void} close
 * @param {(currentPassword: string) => Promise<void>} submit
 */
function askPassword(step, close, submit) {
  step.innerHTML = `
    <form novalidate>
      <p>Confirm it is you: enter your password.</p>
      <label>Current password <input name="currentPassword" type="password" autocomplete="current-password" required></label>
      <p class="field-error" data-for="currentPassword"></p>
      <p class="actions"><button type="submit">Continue</button> <button type="button" class="secondary" data-close>Cancel</button></p>
      <p class="form-error" role="alert"></p>
    </form>`;
  stepForm(step, close, (data) => submit(String(data.get('currentPassword') ?? '')));
}

/**
 * The current password and a code (the app's or a recovery code), before the second factor is changed or turned off.
 * @param {HTMLElement} step
 * @param {string} submitLabel
 * @param {() => void} close
 * @param {(body: Schemas['TwoFactorChangeRequest']) => Promise<void>} submit
 */
function askPasswordAndCode(step, submitLabel, close, submit) {
  step.innerHTML = `
    <form novalidate>
      <p>Confirm it is you: enter your password and a code.</p>
      <label>Current password <input name="currentPassword" type="password" autocomplete="current-password" required></label>
      <p class="field-error" data-for="currentPassword"></p>
      <label>Code from your app, or a recovery code <input name="code" autocomplete="one-time-code" required></label>
      <p class="field-error" data-for="code"></p>
      <p class="actions"><button type="submit"></button> <button type="button" class="secondary" data-close>Cancel</button></p>
      <p class="form-error" role="alert"></p>
    </form>`;
  step.querySelector('button[type=submit]')?.append(submitLabel);
  stepForm(step, close, (data) => submit({ currentPassword: String(data.get('currentPassword') ?? ''), code: String(data.get('code') ?? '').trim() }));
}

/**
 * The new key, as a QR code to scan and as text to type, then a code from the app to turn two-factor authentication on.
 * @param {HTMLElement} step
 * @param {Schemas['TwoFactorSetupResponse']} setup
 * @param {() => void} close
 * @param {(code: string) => Promise<void>} enable
 */
function showSharedKey(step, setup, close, enable) {
  step.innerHTML = `
    <h3>Add this key to your authenticator app</h3>
    <p>Scan the QR code with your authenticator app, or type the key in (time-based, 6 digits).</p>
    <canvas id="two-factor-qr" role="img" aria-label="QR code of the key, for your authenticator app"></canvas>
    <dl class="card">
      <dt>Key</dt><dd><code id="two-factor-key"></code></dd>
      <dt>Link</dt><dd><a id="two-factor-uri" class="uri"></a></dd>
    </dl>
    <form novalidate>
      <p>Then enter the code the app shows.</p>
      <label>Code from the app <input name="code" inputmode="numeric" autocomplete="one-time-code" required></label>
      <p class="field-error" data-for="code"></p>
      <p class="actions"><button type="submit">Turn on</button> <button type="button" class="secondary" data-close>Cancel</button></p>
      <p class="form-error" role="alert"></p>
    </form>`;
  drawQrCode(/** @type {HTMLCanvasElement} */ (byId('two-factor-qr')), setup.otpauthUri);
  // In groups of four, as authenticator apps show keys: easier to type and to compare. Apps ignore the spaces.
  text('two-factor-key', setup.sharedKey.match(/.{1,4}/g)?.join(' ') ?? setup.sharedKey);
  const link = /** @type {HTMLAnchorElement} */ (byId('two-factor-uri'));
  link.href = setup.otpauthUri;
  link.textContent = setup.otpauthUri;
  stepForm(step, close, (data) => enable(String(data.get('code') ?? '').trim()));
}

/**
 * Ten single-use codes, shown this once (the API keeps only their hashes); the actions come back once they are stored.
 * @param {HTMLElement} section
 * @param {string[]} codes
 */
function showRecoveryCodes(section, codes) {
  const actions = byId('two-factor-actions');
  const step = byId('two-factor-step');
  actions.hidden = true;
  step.innerHTML = `
    <h3>Your recovery codes</h3>
    <p class="note" id="recovery-codes-note">Store these codes now, somewhere safe apart from your phone (a password manager,
      or on paper). If you lose your authenticator app, each code logs you in once. This is the only time they are shown.</p>
    <ol id="recovery-codes" class="codes"></ol>
    <p class="actions"><button type="button" id="recovery-codes-done">I have stored them</button></p>`;
  const list = byId('recovery-codes');
  for (const code of codes) {
    list.append(Object.assign(document.createElement('li'), { textContent: code }));
  }
  byId('recovery-codes-done').addEventListener('click', () => {
    step.replaceChildren();
    actions.hidden = false;
    section.querySelector('button')?.focus();
  });
}

/**
 * Wires the form of a step: submit sends its fields, problems land next to them, Cancel closes the step.
 * @param {HTMLElement} step
 * @param {() => void} close
 * @param {(data: FormData) => Promise<void>} submit
 */
function stepForm(step, close, submit) {
  const form = /** @type {HTMLFormElement} */ (step.querySelector('form'));
  form.querySelector('[data-close]')?.addEventListener('click', close);
  form.querySelector('input')?.focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await submit(new FormData(form));
    } catch (error) {
      if (!leaveIfSessionEnded(error)) {
        showFormError(form, /** @type {HTMLElement} */ (form.querySelector('.form-error')), error);
      }
    }
  });
}

/**
 * A 401 from an action on a page means the session ended meanwhile (logged out elsewhere, expired): only a new login
 * helps, so this goes to the login page and says why. True when it did.
 * @param {unknown} error
 */
function leaveIfSessionEnded(error) {
  if (!(error instanceof ApiError && error.status === 401)) {
    return false;
  }
  me = null;
  notice = describe(error);
  location.hash = '#/login';
  return true;
}

/**
 * Paints the QR code of text on a canvas, black on white with the four-module quiet zone scanners need. This page's own
 * script draws it, so a Content-Security-Policy needs no inline script or style and no data: images for it.
 * @param {HTMLCanvasElement} canvas
 * @param {string} text
 */
function drawQrCode(canvas, text) {
  const qr = qrcode(0, 'M');
  // The library writes one byte per UTF-16 unit: an otpauth URI is ASCII, and anything else is percent-encoded first.
  qr.addData(text.replace(/[^\x20-\x7e]+/gu, encodeURIComponent));
  qr.make();
  const modules = qr.getModuleCount();
  const quiet = 4;
  const scale = 4;
  canvas.width = canvas.height = (modules + 2 * quiet) * scale;
  const context = canvas.getContext('2d');
  if (!context) {
    throw new Error('This browser cannot draw on a canvas.');
  }
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#000';
  for (let row = 0; row < modules; row++) {
    for (let column = 0; column < modules; column++) {
      if (qr.isDark(row, column)) {
        context.fillRect((column + quiet) * scale, (row + quiet) * scale, scale, scale);
      }
    }
  }
}

async function renderSessions() {
  const sessions = await api('get', '/sessions');
  view.innerHTML = `
    <h1>My sessions</h1>
    <table>
      <thead><tr><th>Device</th><th>IP</th><th>Last seen</th><th>Started</th><th></th></tr></thead>
      <tbody id="session-rows"></tbody>
    </table>
    <button type="button" id="revoke-others">Log out all other sessions</button>`;
  const rows = /** @type {HTMLTableSectionElement} */ (byId('session-rows'));
  for (const session of sessions) {
    const row = rows.insertRow();
    row.dataset.sessionId = session.id;
    row.insertCell().textContent = session.userAgent || 'unknown device';
    row.insertCell().textContent = session.ip ?? '';
    row.insertCell().textContent = new Date(session.lastSeenAt).toLocaleString();
    row.insertCell().textContent = new Date(session.createdAt).toLocaleString();
    const action = row.insertCell();
    if (session.current) {
      action.innerHTML = '<span class="badge">this device</span>';
    } else {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Revoke';
      button.addEventListener('click', () => act(() => api('delete', '/sessions/{id}', { path: { id: session.id } })));
      action.append(button);
    }
  }
  byId('revoke-others').addEventListener('click', () => act(() => api('delete', '/sessions')));
}

async function renderAdmin() {
  if (me?.role !== 'admin') {
    location.hash = '#/dashboard';
    return;
  }
  const page = await api('get', '/admin/users', { query: { pageSize: 100 } });
  view.innerHTML = `
    <h1>Users</h1>
    <p><span id="user-total"></span> users</p>
    <table>
      <thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Created</th><th>Disabled</th></tr></thead>
      <tbody id="user-rows"></tbody>
    </table>`;
  text('user-total', String(page.total));
  const rows = /** @type {HTMLTableSectionElement} */ (byId('user-rows'));
  for (const user of page.items) {
    const row = rows.insertRow();
    for (const value of [user.email, user.name, user.role, new Date(user.createdAt).toLocaleDateString(), user.disabledAt ? 'yes' : '']) {
      row.insertCell().textContent = value;
    }
  }
}

async function logout() {
  try {
    await api('post', '/logout');
  } finally {
    me = null;
    location.hash = '#/login';
  }
}

// Runs an action, then shows the current view again; errors go to the banner.
/** @param {() => Promise<unknown>} action */
async function act(action) {
  try {
    await action();
    await route();
  } catch (error) {
    showBanner(error);
  }
}

/**
 * @param {HTMLFormElement} form
 * @param {HTMLElement} message
 * @param {unknown} error
 */
function showFormError(form, message, error) {
  if (!(error instanceof ApiError)) {
    throw error;
  }
  for (const [field, messages] of Object.entries(error.errors)) {
    showFieldError(form, field, messages.join(' '));
  }
  message.textContent = describe(error);
}

/**
 * @param {HTMLFormElement} form
 * @param {string} field
 * @param {string} message
 */
function showFieldError(form, field, message) {
  const slot = form.querySelector(`.field-error[data-for="${field}"]`);
  if (slot) {
    slot.textContent = message;
  }
}

/** @param {unknown} error */
function showBanner(error) {
  banner.textContent = error instanceof ApiError ? describe(error) : String(error);
  banner.hidden = false;
}

/** @param {ApiError} error */
function describe(error) {
  if (error.status === 429 && error.retryAfter) {
    return `${error.title}: try again in ${error.retryAfter} seconds.`;
  }
  return error.detail ? `${error.title}: ${error.detail}` : error.title;
}

/** @param {HTMLFormElement} form */
function clearErrors(form) {
  form.querySelectorAll('.field-error, .form-error').forEach((slot) => { slot.textContent = ''; });
}

/**
 * @param {string} id
 * @param {string} value
 */
function text(id, value) {
  byId(id).textContent = value;
}

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`#${id} is missing from the page.`);
  }
  return element;
}
