// Uploading a pcap or pcapng file for analysis, and the uploads of this
// session (the API does not list uploads; this tab remembers them).

import { upload } from './api.js';
import { errorBox, fmt, h, showError, title } from './dom.js';
import { session } from './session.js';

export function uploadView(main) {
  const error = errorBox('upload-error');
  const file = h('input', { id: 'upload-file', name: 'file', type: 'file', accept: '.pcap,.pcapng,.cap',
    'aria-describedby': 'upload-help' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Upload and analyse');
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'upload-file' }, 'Capture file'), file,
      h('p', { id: 'upload-help', class: 'help' }, 'pcap or pcapng, up to the appliance\'s max_upload_mb.')),
    error, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(error, null);
    if (!file.files.length) {
      showError(error, new Error('Choose a capture file first.'));
      file.focus();
      return;
    }
    button.disabled = true;
    try {
      const data = await upload(file.files[0]);
      session.addUpload(data);
      window.location.hash = `#/analysis/${data.id}`;
    } catch (e) {
      showError(error, e);
    } finally {
      button.disabled = false;
    }
  });
  const uploads = session.uploads();
  main.replaceChildren(title('Upload a capture'), form,
    h('section', { class: 'card', 'aria-labelledby': 'uploads-title' },
      h('h2', { id: 'uploads-title' }, 'Uploads of this session'),
      uploads.length ? h('ul', { class: 'uploads' }, uploads.map((u) => h('li', null,
        h('a', { href: `#/analysis/${u.id}` }, u.filename), ` · ${fmt.bytes(u.filesize)} · `,
        h('span', { class: 'mono' }, u.id))))
        : h('p', null, 'None yet.')));
}
