/**
 * One S3 bucket per object type GitLab stores (artifacts, LFS, uploads, packages, registry,
 * backups...), as GitLab's object storage documentation recommends: separate buckets keep lifecycle
 * rules and access apart. Every bucket blocks public access, refuses plain HTTP, encrypts with the
 * object storage key, logs access, and is retained when the stack goes.
 */
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { nameInAccount } from '../../plan/contracts.js';
import type { BucketPlan, ObjectStoragePurpose, S3Service } from '../../plan/types.js';
import { acknowledge } from '../common.js';
import type { RemovalPolicyOf } from '../removal-policy.js';
import { acknowledgeKeyByAlias, keyByAlias } from '../security.js';

export interface ObjectStorageProps {
  /** The Plan's S3 service listing the buckets and naming the access-log bucket. */
  readonly service: S3Service;
  /** Key encrypting every object. */
  readonly encryptionKey: kms.IKey;
  /** The key's alias, which grants name it by. */
  readonly encryptionKeyAlias: string;
  /** What deleting the stack does to each bucket, by Plan id (`bucket-<purpose>`). */
  readonly removalPolicyOf: RemovalPolicyOf;
  /** Bucket receiving the buckets' server access logs (the network stack's, see AccessLogBucket). */
  readonly logBucket: s3.IBucket;
}

export interface AccessLogBucketProps {
  /** The Plan's S3 service naming the access-log bucket. */
  readonly service: S3Service;
  /** What deleting the stack does to the bucket, by Plan id (`bucket-access-logs`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/**
 * The bucket receiving S3 server access logs and load balancer access logs. SSE-S3 encrypted:
 * neither log delivery service can write to a bucket encrypted with a customer-managed key. It sits
 * in the network stack, which every other stack already waits for, so the edge stack's load
 * balancer can log to it without waiting for the data stack (RDS takes 20 minutes and more).
 */
export class AccessLogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'AccessLogs', {
      bucketName: inStackAccount(props.service.accessLogBucketName),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(365) }],
      removalPolicy: props.removalPolicyOf('bucket-access-logs'),
    });
    acknowledge(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'This is the access log bucket; logging its own access would log every log delivery, recursively.',
      },
    ]);
  }
}

/** Object actions GitLab needs on its buckets: read, write, delete and multipart uploads. */
const OBJECT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];
const BUCKET_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'];

/** A Plan bucket name in the account the stack deploys to (`AWS::AccountId`, resolved by CloudFormation). */
const inStackAccount = (pattern: string) => nameInAccount(pattern, Aws.ACCOUNT_ID);

export class ObjectStorage extends Construct {
  /** GitLab's buckets by object type. */
  readonly buckets: ReadonlyMap<ObjectStoragePurpose, s3.Bucket>;
  /** Bucket receiving the buckets' server access logs. */
  readonly logBucket: s3.IBucket;
  private readonly encryptionKeyAlias: string;
  private readonly service: S3Service;

  constructor(scope: Construct, id: string, props: ObjectStorageProps) {
    super(scope, id);
    const { service, encryptionKey } = props;
    this.encryptionKeyAlias = props.encryptionKeyAlias;
    this.service = service;
    this.logBucket = props.logBucket;

    const buckets = new Map<ObjectStoragePurpose, s3.Bucket>();
    for (const bucketPlan of service.buckets) {
      const bucket = new s3.Bucket(this, bucketPlan.purpose, {
        bucketName: inStackAccount(bucketPlan.bucketName),
        encryption: s3.BucketEncryption.KMS,
        encryptionKey,
        // One data key per bucket instead of a KMS call per object: cheaper and faster at GitLab's object counts.
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        versioned: bucketPlan.versioned,
        lifecycleRules: lifecycleRules(bucketPlan),
        removalPolicy: props.removalPolicyOf(`bucket-${bucketPlan.purpose}`),
      });
      this.logAccessTo(bucket, inStackAccount(bucketPlan.bucketName));
      buckets.set(bucketPlan.purpose, bucket);
    }
    this.buckets = buckets;
  }

  /**
   * Server access logs of `bucket` under `<name>/` in the log bucket, which lives in another stack:
   * what `serverAccessLogsBucket` would do, but with the delivery limited to this bucket by its
   * known name (CDK drops that condition across stacks, and the bucket's attribute would make the
   * log bucket's stack depend on this one).
   */
  private logAccessTo(bucket: s3.Bucket, name: string): void {
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.logBucket.bucketName,
      logFilePrefix: `${name}/`,
    };
    this.logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.logBucket.arnForObjects(`${name}/*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:s3:::${name}` },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
  }

  /** The bucket of an object type. */
  bucket(purpose: ObjectStoragePurpose): s3.Bucket {
    const bucket = this.buckets.get(purpose);
    if (!bucket) throw new Error(`the Plan has no ${purpose} bucket`);
    return bucket;
  }

  /**
   * Lets a principal read, write and delete objects in some buckets, with exactly the S3 and KMS
   * actions GitLab's object storage client uses, on those buckets only.
   */
  grantReadWrite(grantee: iam.IGrantable, purposes: readonly ObjectStoragePurpose[]): iam.Grant {
    // By the Plan's bucket names, not bucket attributes: the policy reads as the buckets it opens,
    // and the grantee's stack needs no import per bucket.
    const bucketArns = purposes.map((purpose) => {
      const bucketPlan = this.service.buckets.find((candidate) => candidate.purpose === purpose);
      if (!bucketPlan) throw new Error(`the Plan has no ${purpose} bucket`);
      return `arn:${Aws.PARTITION}:s3:::${inStackAccount(bucketPlan.bucketName)}`;
    });
    // Bucket names are global. Names carry the account, so another account cannot create them first;
    // the condition makes sure of it: a bucket of the same name in another account never matches.
    const inThisAccount = { StringEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID } };
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: BUCKET_ACTIONS,
      resourceArns: bucketArns,
      conditions: inThisAccount,
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: OBJECT_ACTIONS,
      resourceArns: bucketArns.map((arn) => `${arn}/*`),
      conditions: inThisAccount,
    });
    if (grantee.grantPrincipal instanceof Construct) {
      acknowledge(grantee.grantPrincipal, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'GitLab names objects itself (hashed paths), so object access is on <bucket>/* of exactly the buckets this role uses, with explicit actions and no action wildcards.',
          appliesTo: purposes.map((purpose) => {
            const name = this.service.buckets.find((candidate) => candidate.purpose === purpose)!.bucketName;
            return `Resource::arn:<AWS::Partition>:s3:::${nameInAccount(name, '<AWS::AccountId>')}/*`;
          }),
        },
      ]);
    }
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      ...keyByAlias(this.encryptionKeyAlias, {
        StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` },
      }),
    });
    acknowledgeKeyByAlias(grantee);
    return grant;
  }
}

function lifecycleRules(bucket: BucketPlan): s3.LifecycleRule[] {
  const rules: s3.LifecycleRule[] = [
    // GitLab uploads large objects in parts; parts of an abandoned upload cost money forever otherwise.
    { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
  ];
  const noncurrent = bucket.versioned
    ? { noncurrentVersionExpiration: Duration.days(bucket.noncurrentVersionsExpireAfterDays) }
    : {};
  if (bucket.expireAfterDays !== undefined) {
    rules.push({ id: 'expire', expiration: Duration.days(bucket.expireAfterDays), ...noncurrent });
  } else if (bucket.versioned) {
    rules.push({ id: 'expire-noncurrent-versions', ...noncurrent });
  }
  return rules;
}
