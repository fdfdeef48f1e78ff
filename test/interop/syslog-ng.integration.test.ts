// syslog-ng as a real receiver of our syslog sender: TCP (LF and octet counting), UDP and TLS,
// its output compared byte for byte with what was sent (cases in receiver-cases.ts).
import { toolOrSkip } from '../support/tools.ts';
import { syslogNg } from './daemons.ts';
import { describeReceiverInterop } from './receiver-cases.ts';

describeReceiverInterop('syslog-ng', syslogNg, toolOrSkip('syslog-ng'), toolOrSkip('openssl'));
