// @ts-check
import { call } from './api.js';
import { busy, field, formValues, h, messageArea, replaceChildren, say } from './dom.js';

/** Email and password: sign in, create an account, or ask for a reset link. @type {import('./account-modules.js').SignInMethod} */
export const passwordSignIn = {
  id: 'password',
  render: async (context) => {
    const container = h('div', { class: 'card', id: 'password-sign-in' });
    const show = (/** @type {'signIn' | 'signUp' | 'forgot'} */ mode) => {
      const views = { signIn: signInForm, signUp: signUpForm, forgot: forgotForm };
      replaceChildren(container, views[mode](context, show));
      container.querySelector('input')?.focus();
    };
    show('signIn');
    return container;
  },
};

/**
 * @param {import('./account-modules.js').SignInContext} context
 * @param {(mode: 'signIn' | 'signUp' | 'forgot') => void} show
 */
function signInForm(context, show) {
  const area = messageArea();
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Sign in with email and password' },
      field('Email', { name: 'email', type: 'email', autocomplete: 'username', required: true, maxlength: 254 }),
      field('Password', {
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
        maxlength: 128,
      }),
      area,
      h('button', { type: 'submit' }, 'Sign in'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      const { email, password } = formValues(form);
      const { body } = await call('POST', '/login', { email, password }, { expectSignedIn: false });
      if (body?.mfaRequired) context.secondStepRequired(body);
      else context.signedIn(body);
    });
  });
  return h(
    'div',
    {},
    form,
    h(
      'p',
      { class: 'links' },
      h('button', { type: 'button', class: 'link', onclick: () => show('signUp') }, 'Create an account'),
      h('button', { type: 'button', class: 'link', onclick: () => show('forgot') }, 'Forgot your password?'),
    ),
  );
}

/**
 * @param {import('./account-modules.js').SignInContext} context
 * @param {(mode: 'signIn' | 'signUp' | 'forgot') => void} show
 */
function signUpForm(context, show) {
  const area = messageArea();
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Create an account' },
      h('h2', {}, 'Create an account'),
      field('Name (optional)', { name: 'name', type: 'text', autocomplete: 'name', maxlength: 200 }),
      field('Email', { name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 254 }),
      field(
        'Password',
        {
          name: 'password',
          type: 'password',
          autocomplete: 'new-password',
          required: true,
          minlength: 12,
          maxlength: 128,
        },
        '12 to 128 characters. A few unrelated words make a good one.',
      ),
      area,
      h('button', { type: 'submit' }, 'Create account'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      const { name, email, password } = formValues(form);
      await call(
        'POST',
        '/register',
        { email, password, ...(name.trim() ? { name: name.trim() } : {}) },
        { expectSignedIn: false },
      );
      const { body } = await call('POST', '/login', { email, password }, { expectSignedIn: false });
      if (body?.mfaRequired) context.secondStepRequired(body);
      else context.signedIn(body);
    });
  });
  return h(
    'div',
    {},
    form,
    h(
      'p',
      { class: 'links' },
      h('button', { type: 'button', class: 'link', onclick: () => show('signIn') }, 'I have an account'),
    ),
  );
}

/**
 * @param {import('./account-modules.js').SignInContext} _context
 * @param {(mode: 'signIn' | 'signUp' | 'forgot') => void} show
 */
function forgotForm(_context, show) {
  const area = messageArea();
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Reset your password' },
      h('h2', {}, 'Reset your password'),
      h('p', {}, 'We will mail you a link to choose a new password.'),
      field('Email', { name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 254 }),
      area,
      h('button', { type: 'submit' }, 'Send the link'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      await call('POST', '/password/forgot', { email: formValues(form).email }, { expectSignedIn: false });
      say(area, 'If an account uses that address, a link is on its way. It works once and expires soon.', 'success');
      form.reset();
    });
  });
  return h(
    'div',
    {},
    form,
    h(
      'p',
      { class: 'links' },
      h('button', { type: 'button', class: 'link', onclick: () => show('signIn') }, 'Back to sign in'),
    ),
  );
}
