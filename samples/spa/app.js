// A single-page app routed by the URL hash: login, forgot and reset password, verify email (public), dashboard, sessions
// and admin (logged in). Links in the API's mails open #/reset?token=... and #/verify?token=....
import { api, ApiError } from './api.js';

/** @typedef {import('./api.js').Schemas} Schemas */

const view = byId('view');
const nav = byId('nav');
const banner = byId('banner');
/** @type {Schemas['UserResponse'] | null} */
let me = null;
/** @type {string | null} A message for the next page, shown once it is rendered. */
let notice = null;

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
  const [dashboard, profile] = await Promise.all([api('get', '/dashboard'), api('get', '/profile')]);
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
