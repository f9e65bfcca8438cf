# Connects to Redis the way a GitLab node would with a generated gitlab.rb, and reports per
# instance whether PING, SET and GET worked. Three steps, each as the real system does it:
#
# 1. gitlab.rb is evaluated as plain Ruby, as the Linux package evaluates it, with its secret and
#    fact files read from the directories the boot script wrote (GLA_SECRETS_DIR, GLA_FACTS_DIR).
# 2. The Rails Redis files are derived from the settings as the Linux package 19.3 writes them
#    (gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72, tag 19.3.0+ee.0:
#    recipes/gitlab-rails.rb, templates/default/resque.yml.erb, package/libraries/helpers/redis_helper.rb):
#    resque.yml gets a URL built from redis_host/redis_port/redis_password (password encoded with
#    ERB::Util.url_encode) plus `ssl: true` and the package's CA file when redis_ssl is set; each
#    redis.<instance>.yml gets redis_<instance>_instance as it is, with `ssl` only when
#    redis_<instance>_ssl is set.
# 3. Each file is read as GitLab's Rails code reads it (Gitlab::Redis::Wrapper with
#    Redis::Store::Factory.extract_host_options_from_uri): host, port and db from the URL, the
#    password CGI-unescaped, TLS on for rediss://, the file's ssl settings merged over that; then
#    Ruby's redis client connects with those options.
#
# The endpoints' port is ElastiCache's; GLA_REDIS_PORT maps it to the test server's free port.
# Prints one JSON line: { "<file>": { "ok": bool, "error": "...", "url_port": n } }.
require 'cgi'
require 'erb'
require 'json'
require 'openssl'
require 'redis'
require 'uri'

SECRETS_DIR = ENV.fetch('GLA_SECRETS_DIR')
FACTS_DIR = ENV.fetch('GLA_FACTS_DIR')
CA_FILE = ENV.fetch('GLA_CA_FILE')
SERVER_PORT = Integer(ENV.fetch('GLA_REDIS_PORT'), 10)

class << File
  alias_method :gla_original_read, :read

  def read(path, *args)
    path = path.sub(%r{\A/etc/gitlab/aws-secrets/}, "#{SECRETS_DIR}/").sub(%r{\A/etc/gitlab/aws-node/}, "#{FACTS_DIR}/")
    gla_original_read(path, *args)
  end
end

# `name['key'] = value` recorded into nested hashes; calls (`external_url`, `roles`) ignored.
class Settings < BasicObject
  attr_reader :values

  def initialize
    @values = ::Hash.new { |hash, key| hash[key] = ::Hash.new(&hash.default_proc) }
  end

  def self.const_missing(name)
    ::Object.const_get(name)
  end

  def Integer(*args)
    ::Kernel.Integer(*args)
  end

  def method_missing(name, *args)
    args.empty? ? @values[name.to_s] : nil
  end

  def respond_to_missing?(*)
    true
  end
end

settings = Settings.new
settings.instance_eval(File.gla_original_read(ARGV.fetch(0)), ARGV.fetch(0))
given = settings.values['gitlab_rails']
rails = ->(key) { given.key?(key) ? given[key] : nil }

# Step 2: the files the Linux package writes.
files = {}
scheme = rails.('redis_ssl') ? 'rediss' : 'redis'
userinfo = rails.('redis_password') ? ":#{ERB::Util.url_encode(rails.('redis_password'))}@" : ''
main = { 'url' => "#{scheme}://#{userinfo}#{rails.('redis_host')}:#{rails.('redis_port') || 6379}/0" }
# The package's default redis_tls_ca_cert_file, here the test's CA.
main['ssl'] = true if rails.('redis_ssl')
main['ssl_params'] = { 'ca_file' => CA_FILE } if rails.('redis_ssl')
files['resque.yml'] = main
%w[cache queues shared_state trace_chunks rate_limiting sessions repository_cache cluster_rate_limiting workhorse].each do |instance|
  url = rails.("redis_#{instance}_instance")
  next if url.nil?

  file = { 'url' => url }
  file['ssl'] = true if rails.("redis_#{instance}_ssl")
  files["redis.#{instance}.yml"] = file
end

# Step 3: GitLab's reading of each file, then a real connection.
results = files.to_h do |name, file|
  uri = URI.parse(file['url'])
  options = {
    host: uri.hostname,
    port: uri.port || 6379,
    password: uri.password.nil? ? nil : CGI.unescape(uri.password.to_s),
    db: uri.path.to_s.split('/')[1].to_i
  }
  options[:ssl] = true if uri.scheme == 'rediss'
  options[:ssl] = true if file['ssl']
  options[:ssl_params] = file['ssl_params'].transform_keys(&:to_sym) if file['ssl_params']
  url_port = options[:port]
  options[:port] = SERVER_PORT
  begin
    redis = Redis.new(**options, connect_timeout: 5, reconnect_attempts: 0)
    key = "gitlab-aws-test:#{name}"
    redis.ping
    redis.set(key, name)
    got = redis.get(key)
    redis.close
    [name, { 'ok' => got == name, 'error' => got == name ? nil : "GET returned #{got.inspect}", 'url_port' => url_port, 'tls' => options[:ssl] == true }]
  rescue StandardError => e
    [name, { 'ok' => false, 'error' => "#{e.class}: #{e.message}", 'url_port' => url_port, 'tls' => options[:ssl] == true }]
  end
end
puts JSON.generate(results)
