// Preloaded into the workshop's Express server (node --import tsx --import <this file> index.js):
// its `app.listen(5000)` binds every interface on a fixed port; this makes it listen on
// 127.0.0.1 and WORKSHOP_PORT instead, without changing a line of its code.
import net from 'node:net';

const port = Number(process.env.WORKSHOP_PORT);
if (!Number.isInteger(port) || port <= 0)
  throw new Error(`WORKSHOP_PORT must be a port number, got "${process.env.WORKSHOP_PORT}"`);

// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the server as `this`
const listen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]): net.Server {
  if (typeof args[0] === 'number') {
    args[0] = port;
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
