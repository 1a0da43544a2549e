// The form that creates a capture: one input per field of the API's create
// request, checked by the API alone (the browser's own validation is off),
// so the message a user reads is the API's, shown beside the form with
// the field it names marked and focused.

import { createCapture } from './api.js';
import { createRequest } from './capture_fields.js';
import { errorBox, h, showError } from './dom.js';

/** A labelled text input named after its API field; `help` describes it. */
function field(name, label, { help, placeholder, value, fullOnly, inputmode } = {}) {
  const id = `f-${name.replace('.', '-')}`;
  const input = h('input', {
    id, name, placeholder, value, inputmode, autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': help ? `${id}-help` : null,
  });
  return h('div', { class: `field${fullOnly ? ' full-only' : ''}` },
    h('label', { for: id }, label), input,
    help ? h('p', { id: `${id}-help`, class: 'help' }, help) : null);
}

/** The create form; `created(capture)` runs after the API accepted one. */
export function captureForm(created) {
  const error = errorBox('create-error');
  const type = h('select', { id: 'f-type', name: 'type' },
    h('option', { value: 'simple' }, 'simple: sampled packet heads'),
    h('option', { value: 'full' }, 'full: every packet, whole'));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start capture');
  const form = h('form', { class: 'card create', novalidate: true, 'aria-labelledby': 'create-title' },
    h('h2', { id: 'create-title' }, 'New capture'),
    h('fieldset', null, h('legend', null, 'Capture'),
      h('div', { class: 'field' }, h('label', { for: 'f-type' }, 'Type'), type),
      field('time_limit', 'Time limit (s)', { inputmode: 'numeric', placeholder: '60',
        help: 'simple: 1–300 s; full: up to a day' }),
      field('packet_limit', 'Packet limit', { inputmode: 'numeric', placeholder: '1000',
        help: '1–10000; required for simple' }),
      field('byte_limit', 'Byte limit', { inputmode: 'numeric', fullOnly: true,
        help: 'most bytes of the file' }),
      field('colo_name', 'Site (colo_name)', { fullOnly: true, placeholder: 'local',
        help: 'the appliance\'s site' }),
      field('destination_conf', 'Destination', { fullOnly: true, placeholder: 's3://bucket?region=…' })),
    h('fieldset', null, h('legend', null, 'Filter (empty fields match anything)'),
      field('filter_v1.protocol', 'Protocol', { placeholder: 'tcp, udp, 6…',
        help: 'a name or number' }),
      field('filter_v1.source_address', 'Source address', { placeholder: '10.0.0.0/8' }),
      field('filter_v1.source_port', 'Source port', { inputmode: 'numeric' }),
      field('filter_v1.destination_address', 'Destination address', { placeholder: '2001:db8::/32' }),
      field('filter_v1.destination_port', 'Destination port', { inputmode: 'numeric', placeholder: '443' })),
    error,
    h('div', { class: 'actions' }, submit));

  const showFullFields = () => {
    for (const el of form.querySelectorAll('.full-only')) el.hidden = type.value !== 'full';
  };
  type.addEventListener('change', showFullFields);
  showFullFields();

  const clearMarks = () => {
    for (const el of form.querySelectorAll('[aria-invalid]')) {
      el.removeAttribute('aria-invalid');
      el.setAttribute('aria-describedby', el.dataset.describedby || '');
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMarks();
    showError(error, null);
    const values = {};
    for (const el of form.elements) if (el.name) values[el.name] = el.value.trim();
    submit.disabled = true;
    try {
      const { result } = await createCapture(createRequest(values));
      created(result);
    } catch (e) {
      showError(error, e);
      // Mark the field the API names (colo is colo_name's alias).
      const name = e.field === 'colo' ? 'colo_name' : e.field;
      const input = name && form.elements.namedItem(name);
      if (input && !input.closest('[hidden]')) {
        input.dataset.describedby = input.getAttribute('aria-describedby') || '';
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', `${input.dataset.describedby} create-error`.trim());
        input.focus();
      } else {
        error.focus?.();
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
