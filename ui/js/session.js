// The signed-in session: the account and its API token, kept in
// sessionStorage only (gone when the tab closes).  The account id alone,
// which is no secret, is remembered in localStorage to prefill the form.

const SESSION_KEY = 'pcapd.session';
const ACCOUNT_KEY = 'pcapd.account';
const UPLOADS_KEY = 'pcapd.uploads';

export const session = {
  /** {account, token} of the signed-in user, or null. */
  get() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
      return s && s.account && s.token ? s : null;
    } catch {
      return null;
    }
  },
  set(account, token) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ account, token }));
    localStorage.setItem(ACCOUNT_KEY, account);
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
    sessionStorage.removeItem(UPLOADS_KEY);
  },
  lastAccount() {
    return localStorage.getItem(ACCOUNT_KEY) || '';
  },
  /** Uploads of this session, newest first ({id, filename, filesize}). */
  uploads() {
    try {
      return JSON.parse(sessionStorage.getItem(UPLOADS_KEY)) || [];
    } catch {
      return [];
    }
  },
  addUpload(upload) {
    const list = [upload, ...this.uploads().filter((u) => u.id !== upload.id)].slice(0, 20);
    sessionStorage.setItem(UPLOADS_KEY, JSON.stringify(list));
  },
};
