/** Debian's Chromium for the browser tests, and the flags they launch it with (playwright adds --headless). */
export const CHROMIUM = '/usr/bin/chromium'
// without the background-networking flags Chromium floods the closed network with connection attempts
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']
