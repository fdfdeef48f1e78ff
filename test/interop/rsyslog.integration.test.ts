// rsyslog as a real receiver of our syslog sender: TCP (LF and octet counting), UDP and TLS
// (ossl driver), its output compared byte for byte with what was sent (cases in receiver-cases.ts).
import { toolOrSkip } from '../support/tools.ts';
import { rsyslog } from './daemons.ts';
import { describeReceiverInterop } from './receiver-cases.ts';

describeReceiverInterop('rsyslog', rsyslog, toolOrSkip('rsyslogd'), toolOrSkip('openssl'));
