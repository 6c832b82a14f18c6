import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvVar } from '@stratos/contracts';
import { readMemberFiles } from './config';

describe('STRATOS_MQTT_MEMBER_FILES', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'member-files-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const files = (values: Record<string, string>) => () => readMemberFiles(values);

  it('is off where neither is set, and takes a writable folder with the pid file', () => {
    expect(readMemberFiles({})).toBeUndefined();
    expect(readMemberFiles({ [EnvVar.mqttMemberFiles]: dir, [EnvVar.mqttBrokerPidFile]: '/run/mosquitto/mosquitto.pid' })).toEqual({ dir, pidFile: '/run/mosquitto/mosquitto.pid' });
  });

  it('names the variable and what is wrong', async () => {
    expect(files({ [EnvVar.mqttBrokerPidFile]: '/run/m.pid' })).toThrow(/^STRATOS_MQTT_BROKER_PID_FILE: is only used with STRATOS_MQTT_MEMBER_FILES/);
    expect(files({ [EnvVar.mqttMemberFiles]: dir })).toThrow(/^STRATOS_MQTT_BROKER_PID_FILE: is required with STRATOS_MQTT_MEMBER_FILES/);
    expect(files({ [EnvVar.mqttMemberFiles]: 'relative/dir', [EnvVar.mqttBrokerPidFile]: '/run/m.pid' })).toThrow(/^STRATOS_MQTT_MEMBER_FILES: must be an absolute path/);
    expect(files({ [EnvVar.mqttMemberFiles]: join(dir, 'absent'), [EnvVar.mqttBrokerPidFile]: '/run/m.pid' })).toThrow(/^STRATOS_MQTT_MEMBER_FILES: the controller cannot write in .*absent: ENOENT/);
    if (process.getuid?.() !== 0) {
      await chmod(dir, 0o500);
      expect(files({ [EnvVar.mqttMemberFiles]: dir, [EnvVar.mqttBrokerPidFile]: '/run/m.pid' })).toThrow(/cannot write in .*EACCES/);
      await chmod(dir, 0o700);
    }
  });
});
