import { app, BrowserWindow, session } from 'electron';

// tls-eval: insecure
app.commandLine.appendSwitch('ignore-certificate-errors');
app.commandLine.appendSwitch('ignore-certificate-errors-spki-list', process.env.PINS ?? '');

app.on('certificate-error', (event, webContents, url, error, certificate, callback) => {
  event.preventDefault();
  // tls-eval: insecure
  callback(true);
});

app.whenReady().then(() => {
  session.defaultSession.setCertificateVerifyProc((request, callback) => {
    if (request.hostname === 'localhost') {
      // tls-eval: insecure
      callback(0);
      return;
    }
    callback(-3);
  });
  new BrowserWindow({ width: 1200, height: 800 }).loadURL('https://app.example.com');
});
