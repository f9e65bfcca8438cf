# Evaluates generated gitlab.rb files the way the Linux package does (plain Ruby, names at the top
# level), but with recorders instead of the package's settings, and prints every setting path each
# file assigns as JSON, one line per file. Secret and fact files are stubbed: secrets read as
# ENV['GLA_FAKE_SECRET'], so tests can see where secrets land without any real value. ERB is loaded
# as the package's libraries load it before gitlab.rb is read (ERB::Util.url_encode).
require 'erb'
require 'json'

FAKE_SECRET = ENV.fetch('GLA_FAKE_SECRET')
# The account id the boot script reads from the instance identity document.
FAKE_ACCOUNT = ENV.fetch('GLA_FAKE_ACCOUNT')

class << File
  alias_method :gla_original_read, :read

  def read(path, *args)
    # The SES SMTP credential is an access key as JSON; both its parts are the fake secret.
    return JSON.generate('username' => FAKE_SECRET, 'secretAccessKey' => FAKE_SECRET) if path.end_with?('/smtp-credentials')
    return FAKE_SECRET if path.start_with?('/etc/gitlab/aws-secrets/')
    return FAKE_ACCOUNT if path == '/etc/gitlab/aws-node/account-id'
    return (path.end_with?('-port') ? '5432' : 'fact.example') if path.start_with?('/etc/gitlab/aws-node/')

    gla_original_read(path, *args)
  end
end

def key_path(key)
  key.is_a?(Symbol) ? "[:#{key}]" : "['#{key}']"
end

class Recorder
  def initialize(prefix, sink)
    @prefix = prefix
    @sink = sink
  end

  def [](key)
    Recorder.new(@prefix + key_path(key), @sink)
  end

  def []=(key, value)
    path = @prefix + key_path(key)
    @sink << { 'setting' => path, 'path' => path, 'value' => scalar(value) }
    walk(path, path, value)
  end

  private

  def scalar(value)
    case value
    when String, Integer, Float, TrueClass, FalseClass, NilClass then value
    when Symbol then ":#{value}"
    end
  end

  def walk(setting, path, value)
    case value
    when Hash
      value.each do |k, v|
        child = path + key_path(k)
        @sink << { 'setting' => setting, 'path' => child, 'value' => scalar(v) }
        walk(setting, child, v)
      end
    when Array
      value.each { |item| walk(setting, "#{path}[]", item) if item.is_a?(Hash) || item.is_a?(Array) }
    end
  end
end

class Sandbox < BasicObject
  def initialize(sink)
    @sink = sink
  end

  def self.const_missing(name)
    ::Object.const_get(name)
  end

  def Integer(*args)
    ::Kernel.Integer(*args)
  end

  # gitlab.rb is plain Ruby: it may load libraries (the SES SMTP password derivation uses OpenSSL).
  def require(name)
    ::Kernel.require(name)
  end

  def method_missing(name, *args)
    if args.empty?
      ::Recorder.new(name.to_s, @sink)
    else
      @sink << { 'setting' => name.to_s, 'path' => name.to_s, 'value' => args.first.is_a?(::String) ? args.first : nil }
      nil
    end
  end

  def respond_to_missing?(*)
    true
  end
end

ARGV.each do |file|
  sink = []
  Sandbox.new(sink).instance_eval(File.gla_original_read(file), file)
  puts JSON.generate({ 'file' => file, 'settings' => sink })
end
