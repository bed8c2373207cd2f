// The classic Express login system, as issue 21 describes the peer a user would pick instead of this API: Express 5,
// express-session on a connect-pg-simple store, bcrypt.compare and req.session.regenerate on login, requireAuth and
// requireAdmin middleware, /profile reading the user row and /dashboard counting req.session.views. One node process,
// the classic deployment (no cluster module, no PM2). bench/run.sh starts it on a copy of the bench database, so it
// reads the same users table (db/migrations) with the same bcrypt cost-10 hashes.
//
// Environment: PORT (3000), DATABASE_URL (a postgres:// URL), SESSION_SECRET (required).
'use strict';

const bcrypt = require('bcrypt');
const express = require('express');
const session = require('express-session');
const PgStore = require('connect-pg-simple')(session);
const { Pool } = require('pg');

const DAY_MS = 24 * 60 * 60 * 1000;
const port = Number(process.env.PORT || 3000);
const secret = process.env.SESSION_SECRET;
if (!secret) throw new Error('SESSION_SECRET is required');

// One pool for the app and the session store, with pg's defaults (at most 10 connections).
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.use(session({
  store: new PgStore({ pool, tableName: 'session', createTableIfMissing: true }),
  secret,
  resave: false,
  saveUninitialized: false,
  cookie: {
    httpOnly: true,
    sameSite: 'strict',
    // Not secure: wrk talks plain HTTP to 127.0.0.1, and a browser would not send a secure cookie back over it either.
    // Behind TLS this would be true (with app.set('trust proxy', 1) behind a proxy); it changes nothing per request.
    secure: false,
    maxAge: DAY_MS,
  },
}));

function requireAuth(req, res, next) {
  if (!req.session.userId) return res.status(401).json({ error: 'Not signed in' });
  next();
}

function requireAdmin(req, res, next) {
  if (req.session.role !== 'admin') return res.status(403).json({ error: 'Admins only' });
  next();
}

function regenerate(req) {
  return new Promise((resolve, reject) => req.session.regenerate(err => (err ? reject(err) : resolve())));
}

function save(req) {
  return new Promise((resolve, reject) => req.session.save(err => (err ? reject(err) : resolve())));
}

// email_key() is the users table's own case-insensitive key (db/migrations/0005), so the lookup uses its unique index,
// as our API's does.
app.post('/login', async (req, res) => {
  const { email, password, rememberMe } = req.body ?? {};
  if (typeof email !== 'string' || typeof password !== 'string') {
    return res.status(400).json({ error: 'email and password are required' });
  }
  const { rows } = await pool.query(
    'SELECT id, email, name, role, password_hash FROM users WHERE email_key = email_key($1) AND disabled_at IS NULL',
    [email]);
  const user = rows[0];
  if (!user || !(await bcrypt.compare(password, user.password_hash))) {
    return res.status(401).json({ error: 'Wrong email or password' });
  }
  // A new session id on login, so that a session id planted before it (fixation) opens nothing.
  await regenerate(req);
  req.session.userId = user.id;
  req.session.role = user.role;
  req.session.cookie.maxAge = rememberMe ? 30 * DAY_MS : DAY_MS;
  await save(req);
  res.json({ user: { id: Number(user.id), email: user.email, name: user.name, role: user.role } });
});

app.post('/logout', requireAuth, (req, res, next) => {
  req.session.destroy(err => {
    if (err) return next(err);
    res.clearCookie('connect.sid');
    res.status(204).end();
  });
});

app.get('/profile', requireAuth, async (req, res) => {
  const { rows } = await pool.query(
    'SELECT id, email, name, role, created_at FROM users WHERE id = $1 AND disabled_at IS NULL', [req.session.userId]);
  const user = rows[0];
  if (!user) {
    req.session.destroy(() => res.status(401).json({ error: 'Not signed in' }));
    return;
  }
  res.json({ id: Number(user.id), email: user.email, name: user.name, role: user.role, createdAt: user.created_at });
});

app.get('/dashboard', requireAuth, (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  res.json({ userId: req.session.userId, views: req.session.views });
});

app.get('/admin', requireAuth, requireAdmin, async (req, res) => {
  const { rows } = await pool.query('SELECT count(*)::int AS users FROM users');
  res.json(rows[0]);
});

app.get('/health', (req, res) => res.json({ status: 'ok' }));

app.listen(port, '127.0.0.1', () => console.log(`express peer listening on http://127.0.0.1:${port}`));
