import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bootstrapStatus, CREDENTIALS_HINT, requireIdentity } from '../../src/lifecycle/aws.js';

describe('requireIdentity', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => sts.reset());

  it('returns the account', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
    await expect(requireIdentity(new STSClient({ region: 'us-west-2' }))).resolves.toEqual({
      account: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/ops',
    });
  });

  it('maps expired credentials to the same hint', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('expired'), { name: 'ExpiredToken' }));
    await expect(requireIdentity(new STSClient({ region: 'us-west-2' }))).rejects.toThrow(
      `${CREDENTIALS_HINT} (ExpiredToken)`,
    );
  });
});

describe('bootstrapStatus', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  const ssm = mockClient(SSMClient);
  const clients = () => ({ cloudFormation: new CloudFormationClient({}), ssm: new SSMClient({}) });
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
  });

  it('is bootstrapped with a complete CDKToolkit stack and a version parameter', async () => {
    cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
    });
    ssm
      .on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' })
      .resolves({ Parameter: { Value: '29' } });
    await expect(bootstrapStatus(clients())).resolves.toEqual({
      bootstrapped: true,
      version: 29,
      stackStatus: 'UPDATE_COMPLETE',
    });
  });

  it('is not bootstrapped without the stack, or with a rolled-back one', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id CDKToolkit does not exist'));
    await expect(bootstrapStatus(clients())).resolves.toEqual({
      bootstrapped: false,
      reason: 'no CDKToolkit stack',
    });
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }],
    });
    await expect(bootstrapStatus(clients())).resolves.toMatchObject({
      bootstrapped: false,
      reason: 'CDKToolkit is ROLLBACK_COMPLETE',
    });
  });

  it('is not bootstrapped when the version parameter is missing', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    await expect(bootstrapStatus(clients())).resolves.toMatchObject({ bootstrapped: false });
  });
});
