'use strict';
/**
 * The "tutorial-style Nest app" peer of issue 26's side-by-side run (`npm run bench:peers`): sessions,
 * JWT and API keys the way the NestJS docs and the common tutorials wire them, in one app.
 *
 * - Sessions: express-session with its default MemoryStore (`resave: false, saveUninitialized: false`),
 *   `passport.initialize()` and `passport.session()` as global middleware, a `PassportSerializer` that
 *   stores the user's id and whose `deserializeUser` SELECTs the user by id on every request with a
 *   session, and an `AuthenticatedGuard` (`req.isAuthenticated()`).
 * - JWT: passport-jwt through `AuthGuard('jwt')`, a bearer token signed with jsonwebtoken (HS256 with a
 *   secret, as the docs' `secretOrKey`; `PEER_JWT_ALG=ES256` signs with a P-256 key instead), 15 minutes,
 *   and a `validate()` that SELECTs the user by id on every request. `secretOrKey` is a string, as in the
 *   docs (the secret; with ES256 the public key's PEM), which jsonwebtoken makes a key of on every
 *   verification: a secret string is first tried as a public key, and that failed parse costs about
 *   300 us of CPU. The same strategy given a KeyObject (`jwt-key-object`, GET /profile/jwt-key-object)
 *   is the careful peer.
 * - API keys: passport-headerapikey (`x-api-key`) through `AuthGuard('api-key')`; the key is stored as its
 *   SHA-256, and `validate()` SELECTs the key joined to its user by that hash, then UPDATEs its lastUsedAt,
 *   on every request. The key's scopes (`reports:read`) are checked.
 * - Login: a plain `POST /login` route (passport-local is not among the repo's packages): bcryptjs
 *   (cost 10) against the stored hash, then `req.login()`.
 *
 * Storage: straight SQL with better-sqlite3 prepared statements, in a file in DATA_DIR with the settings
 * of nest-auth's embedded mode (journal_mode WAL, busy_timeout 5000, foreign_keys on, synchronous left at
 * its default); `PEER_DB=:memory:` keeps it in memory. `PEER_ORM=typeorm` reads and writes the same
 * tables through TypeORM repositories instead, as the NestJS docs' database chapter does (`findOneBy`,
 * `findOne` with the key's user, `update`); that needs the file (a second connection to `:memory:`
 * would open another database).
 *
 * The app has Nest's defaults otherwise: the JSON and urlencoded body parsers, ETag, X-Powered-By, no
 * helmet, no request log. Packages are resolved from `root`'s node_modules.
 *
 * Routes: GET /public, POST /register, POST /login, POST /token, POST /keys (session), GET /profile/session,
 * GET /profile/jwt, GET /profile/jwt-key-object, GET /reports/key. `node bench/peers/tutorial-app.js`
 * serves it on HOST:PORT.
 */
const { createHash, createSecretKey, generateKeyPairSync, randomBytes } = require('node:crypto');
const path = require('node:path');

async function createTutorialApp(root, env = process.env) {
  const load = (name) => require(path.join(root, 'node_modules', name));
  load('reflect-metadata');
  const common = load('@nestjs/common');
  const { Body, Controller, Get, HttpCode, Injectable, Module, Post, Req, UseGuards } = common;
  const { ConflictException, BadRequestException, UnauthorizedException } = common;
  const { NestFactory } = load('@nestjs/core');
  const { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } = load('@nestjs/passport');
  const passport = load('passport');
  const session = load('express-session');
  const { ExtractJwt, Strategy: JwtStrategyBase } = load('passport-jwt');
  const { HeaderAPIKeyStrategy } = load('passport-headerapikey');
  const jwt = load('jsonwebtoken');
  const bcrypt = load('bcryptjs');
  const Database = load('better-sqlite3');

  // What TypeScript's emitDecoratorMetadata would write for a constructor's parameter types.
  const inject = (target, deps) => Reflect.defineMetadata('design:paramtypes', deps, target);
  const route = (proto, method, ...decorators) => {
    const descriptor = Object.getOwnPropertyDescriptor(proto, method);
    for (const decorator of decorators) decorator(proto, method, descriptor);
  };

  const jwtAlgorithm = env.PEER_JWT_ALG === 'ES256' ? 'ES256' : 'HS256';
  const jwtKeys =
    jwtAlgorithm === 'ES256'
      ? (() => {
          const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
          return {
            sign: privateKey.export({ type: 'pkcs8', format: 'pem' }),
            verify: publicKey.export({ type: 'spki', format: 'pem' }),
            verifyKeyObject: publicKey,
          };
        })()
      : (() => {
          const secret = randomBytes(32).toString('hex');
          return { sign: secret, verify: secret, verifyKeyObject: createSecretKey(Buffer.from(secret)) };
        })();

  class DatabaseService {
    constructor() {
      const file = env.PEER_DB || path.join(env.DATA_DIR || '.', 'peer.sqlite');
      this.file = file;
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS users (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          email TEXT NOT NULL UNIQUE,
          password_hash TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS api_keys (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          key_hash TEXT NOT NULL UNIQUE,
          scopes TEXT NOT NULL,
          last_used_at TEXT,
          created_at TEXT NOT NULL
        );
      `);
    }
  }
  Injectable()(DatabaseService);

  class UsersService {
    constructor(database) {
      const { db } = database;
      this.insertUser = db.prepare('INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)');
      this.byEmail = db.prepare('SELECT id, email, password_hash AS passwordHash FROM users WHERE email = ?');
      this.byId = db.prepare('SELECT id, email FROM users WHERE id = ?');
      this.insertKey = db.prepare(
        'INSERT INTO api_keys (user_id, name, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)',
      );
      this.keyByHash = db.prepare(
        `SELECT k.id AS keyId, k.scopes, u.id, u.email
           FROM api_keys k JOIN users u ON u.id = k.user_id
          WHERE k.key_hash = ?`,
      );
      this.touchKey = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    }
    async register(email, password) {
      if (typeof email !== 'string' || typeof password !== 'string' || password.length < 8) {
        throw new BadRequestException('email and a password of 8 or more characters are required');
      }
      if (this.byEmail.get(email)) throw new ConflictException('email already registered');
      const hash = await bcrypt.hash(password, 10);
      const { lastInsertRowid } = this.insertUser.run(email, hash, new Date().toISOString());
      return { id: Number(lastInsertRowid), email };
    }
    async validateCredentials(email, password) {
      const user = typeof email === 'string' ? this.byEmail.get(email) : undefined;
      if (!user || typeof password !== 'string' || !(await bcrypt.compare(password, user.passwordHash))) {
        throw new UnauthorizedException('invalid email or password');
      }
      return { id: user.id, email: user.email };
    }
    findById(id) {
      return this.byId.get(id) ?? null;
    }
    createApiKey(userId, name, scopes) {
      const key = `pk_${randomBytes(32).toString('base64url')}`;
      this.insertKey.run(userId, name, sha256(key), scopes.join(' '), new Date().toISOString());
      return key;
    }
    /** The key's user, after recording its use; null for an unknown key. */
    useApiKey(key) {
      const row = this.keyByHash.get(sha256(key));
      if (!row) return null;
      this.touchKey.run(new Date().toISOString(), row.keyId);
      return { id: row.id, email: row.email, scopes: row.scopes.split(' ') };
    }
  }
  Injectable()(UsersService);
  inject(UsersService, [DatabaseService]);

  /**
   * The same service as the NestJS docs' database chapter writes it: TypeORM repositories
   * (`findOneBy`, `findOne` with a relation, `update`) over the same tables, on better-sqlite3
   * (`PEER_ORM=typeorm`).
   */
  class TypeOrmUsersService extends UsersService {
    constructor(database) {
      super(database);
      const { DataSource, EntitySchema } = load('typeorm');
      const User = new EntitySchema({
        name: 'User',
        tableName: 'users',
        columns: {
          id: { type: 'integer', primary: true, generated: true },
          email: { type: 'text', unique: true },
          passwordHash: { type: 'text', name: 'password_hash', select: false },
          createdAt: { type: 'text', name: 'created_at', select: false },
        },
      });
      const ApiKey = new EntitySchema({
        name: 'ApiKey',
        tableName: 'api_keys',
        columns: {
          id: { type: 'integer', primary: true, generated: true },
          name: { type: 'text' },
          keyHash: { type: 'text', name: 'key_hash', unique: true },
          scopes: { type: 'text' },
          lastUsedAt: { type: 'text', name: 'last_used_at', nullable: true },
          createdAt: { type: 'text', name: 'created_at' },
        },
        relations: { user: { type: 'many-to-one', target: 'User', joinColumn: { name: 'user_id' } } },
      });
      this.dataSource = new DataSource({
        type: 'better-sqlite3',
        database: database.file,
        entities: [User, ApiKey],
        prepareDatabase: (db) => db.pragma('busy_timeout = 5000'),
      });
      this.users = () => this.dataSource.getRepository('User');
      this.keys = () => this.dataSource.getRepository('ApiKey');
    }
    async onModuleInit() {
      await this.dataSource.initialize();
    }
    findById(id) {
      return this.users().findOneBy({ id });
    }
    async useApiKey(key) {
      const row = await this.keys().findOne({ where: { keyHash: sha256(key) }, relations: { user: true } });
      if (!row) return null;
      await this.keys().update(row.id, { lastUsedAt: new Date().toISOString() });
      return { id: row.user.id, email: row.user.email, scopes: row.scopes.split(' ') };
    }
  }
  Injectable()(TypeOrmUsersService);
  inject(TypeOrmUsersService, [DatabaseService]);
  const usersService = env.PEER_ORM === 'typeorm' ? TypeOrmUsersService : UsersService;

  class SessionSerializer extends PassportSerializer {
    constructor(users) {
      super();
      this.users = users;
    }
    serializeUser(user, done) {
      done(null, user.id);
    }
    deserializeUser(id, done) {
      Promise.resolve()
        .then(() => this.users.findById(id))
        .then((user) => done(null, user ?? false), done);
    }
  }
  Injectable()(SessionSerializer);
  inject(SessionSerializer, [UsersService]);

  const jwtStrategy = (name, secretOrKey) => {
    class JwtStrategy extends PassportStrategy(JwtStrategyBase, name) {
      constructor(users) {
        super({
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          ignoreExpiration: false,
          secretOrKey,
          algorithms: [jwtAlgorithm],
        });
        this.users = users;
      }
      async validate(payload) {
        const user = await this.users.findById(payload.sub);
        if (!user) throw new UnauthorizedException();
        return user;
      }
    }
    Injectable()(JwtStrategy);
    inject(JwtStrategy, [UsersService]);
    return JwtStrategy;
  };
  // The docs' strategy, and the same with the key parsed once.
  const JwtStrategy = jwtStrategy('jwt', jwtKeys.verify);
  const JwtKeyObjectStrategy = jwtStrategy('jwt-key-object', jwtKeys.verifyKeyObject);

  class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
    constructor(users) {
      super({ header: 'x-api-key', prefix: '' }, false);
      this.users = users;
    }
    async validate(apiKey) {
      const user = await this.users.useApiKey(apiKey);
      if (!user || !user.scopes.includes('reports:read')) throw new UnauthorizedException();
      return user;
    }
  }
  Injectable()(ApiKeyStrategy);
  inject(ApiKeyStrategy, [UsersService]);

  class AuthenticatedGuard {
    canActivate(context) {
      return context.switchToHttp().getRequest().isAuthenticated();
    }
  }
  Injectable()(AuthenticatedGuard);

  const profile = (user) => ({ ok: true, user: { id: user.id, email: user.email } });

  class AppController {
    constructor(users) {
      this.users = users;
    }
    public() {
      return { ok: true };
    }
    register(body) {
      return this.users.register(body?.email, body?.password);
    }
    async login(req, body) {
      const user = await this.users.validateCredentials(body?.email, body?.password);
      await new Promise((resolve, reject) => req.login(user, (error) => (error ? reject(error) : resolve())));
      return profile(user);
    }
    async token(body) {
      const user = await this.users.validateCredentials(body?.email, body?.password);
      const accessToken = jwt.sign({ sub: user.id, email: user.email }, jwtKeys.sign, {
        algorithm: jwtAlgorithm,
        expiresIn: '15m',
      });
      return { access_token: accessToken, token_type: 'Bearer', expires_in: 900 };
    }
    createKey(req, body) {
      const scopes = Array.isArray(body?.scopes) ? body.scopes : ['reports:read'];
      return { key: this.users.createApiKey(req.user.id, body?.name ?? 'key', scopes) };
    }
    sessionProfile(req) {
      return profile(req.user);
    }
    jwtProfile(req) {
      return profile(req.user);
    }
    jwtKeyObjectProfile(req) {
      return profile(req.user);
    }
    reports(req) {
      return profile(req.user);
    }
  }
  const proto = AppController.prototype;
  route(proto, 'public', Get('public'));
  route(proto, 'register', Post('register'));
  Body()(proto, 'register', 0);
  route(proto, 'login', Post('login'), HttpCode(200));
  Req()(proto, 'login', 0);
  Body()(proto, 'login', 1);
  route(proto, 'token', Post('token'), HttpCode(200));
  Body()(proto, 'token', 0);
  route(proto, 'createKey', Post('keys'), UseGuards(AuthenticatedGuard));
  Req()(proto, 'createKey', 0);
  Body()(proto, 'createKey', 1);
  route(proto, 'sessionProfile', Get('profile/session'), UseGuards(AuthenticatedGuard));
  Req()(proto, 'sessionProfile', 0);
  route(proto, 'jwtProfile', Get('profile/jwt'), UseGuards(AuthGuard('jwt')));
  Req()(proto, 'jwtProfile', 0);
  route(proto, 'jwtKeyObjectProfile', Get('profile/jwt-key-object'), UseGuards(AuthGuard('jwt-key-object')));
  Req()(proto, 'jwtKeyObjectProfile', 0);
  route(proto, 'reports', Get('reports/key'), UseGuards(AuthGuard('api-key')));
  Req()(proto, 'reports', 0);
  Controller()(AppController);
  inject(AppController, [UsersService]);

  class AppModule {}
  Module({
    imports: [PassportModule],
    controllers: [AppController],
    providers: [
      DatabaseService,
      { provide: UsersService, useClass: usersService },
      SessionSerializer,
      JwtStrategy,
      JwtKeyObjectStrategy,
      ApiKeyStrategy,
      AuthenticatedGuard,
    ],
  })(AppModule);

  const app = await NestFactory.create(AppModule, { abortOnError: false });
  app.use(
    session({
      secret: env.SESSION_SECRET || randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  return app;
}

function sha256(value) {
  return createHash('sha256').update(value).digest('hex');
}

module.exports = { createTutorialApp };

// `node bench/peers/tutorial-app.js`: serves it on HOST:PORT, as `npm run bench:peers` starts it.
if (require.main === module) {
  createTutorialApp(path.resolve(__dirname, '..', '..'))
    .then((app) => app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1'))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
