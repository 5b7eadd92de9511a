// @ts-check
import { describeError } from './api.js';
import { h, messageArea, say } from './dom.js';

/**
 * A section of a page as a card titled by its heading: what `render` gives, hidden when it gives null,
 * or what went wrong in words. The section's id is the card's, for links to it (`#sessions`).
 * @template C
 * @param {{ id: string, title: string, render: (context: C) => Promise<HTMLElement | null> }} section
 * @param {C} context
 */
export async function sectionCard(section, context) {
  const titleId = `${section.id}-title`;
  const wrapper = h(
    'section',
    { id: section.id, class: 'card', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, section.title),
  );
  try {
    const body = await section.render(context);
    if (body) wrapper.append(body);
    else wrapper.hidden = true;
  } catch (error) {
    const area = messageArea();
    say(area, describeError(error), 'error');
    wrapper.append(area);
  }
  return wrapper;
}
