import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { alarmLines, alarmRegions, awsAlarmsInAlarm } from '../../../cli/status/alarm-status';
import { environmentAlarmNames } from '../../../cli/status/environment-alarm-names';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Audit a58C F3: with the DR stack in another account (`drAccount`), `lifeboat status --aws` asked the DR region's
 * CloudWatch with the primary account's credentials, which list that account's alarms there (none), and said `none`
 * while the DR drill or dead-letter alarms could be in ALARM. It now reads the primary region only and says that the DR
 * account's alarms were not read, with the command to run with its credentials.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const crossAccount = { ...environment, drAccount: '222222222222' };

it('reads both regions in one account, the primary alone with the DR stack in another account', () => {
  expect(alarmRegions(environment)).toEqual({ read: ['us-east-1', 'us-west-2'], notRead: [] });
  expect(alarmRegions({ ...environment, drAccount: environment.account })).toEqual({ read: ['us-east-1', 'us-west-2'], notRead: [] });
  expect(alarmRegions(crossAccount)).toEqual({ read: ['us-east-1'], notRead: [{ region: 'us-west-2', account: '222222222222' }] });
});

it('asks only the primary region and says, with the command, that the DR account\'s alarms were not read', async () => {
  const asked: string[] = [];
  const primary = new CloudWatchClient({ region: 'us-east-1' });
  mockClient(primary).on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  const regions = alarmRegions(crossAccount);
  const alarms = await awsAlarmsInAlarm(
    (region) => {
      asked.push(region);
      return primary;
    },
    regions.read,
    'lifeboat-dev-',
    environmentAlarmNames(crossAccount),
    regions.notRead,
  );
  expect(asked).toEqual(['us-east-1']);
  expect(alarmLines(alarms)).toEqual([
    'Alarms in ALARM: none (lifeboat-dev-* in us-east-1)',
    "  ! us-west-2: not read: the DR stack is in account 222222222222, whose alarms these credentials do not list; with its credentials: aws cloudwatch describe-alarms --alarm-name-prefix lifeboat-dev- --state-value ALARM --region us-west-2",
  ]);
  primary.destroy();
});
