using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Inference.Tests.Hub;

public sealed class HubOptionsTests
{
    [Fact]
    public void FromEnvironmentReadsEndpointTokenAndCacheRoot()
    {
        var variables = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = "http://mirror.example:8080/",
            ["HF_TOKEN"] = "hf_abc\n",
            ["MAE_HOME"] = "/data/mae",
            ["XDG_CACHE_HOME"] = "/xdg",
        };

        var options = HubOptions.FromEnvironment(variables.GetValueOrDefault);

        Assert.Equal(new Uri("http://mirror.example:8080"), options.Endpoint);
        Assert.Equal("hf_abc", options.Token);
        Assert.Equal("/data/mae", options.CacheRoot);
    }

    [Fact]
    public void FromEnvironmentFallsBackToHuggingFaceAndTheXdgCache()
    {
        var variables = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = "/xdg", ["HF_TOKEN"] = "" };

        var options = HubOptions.FromEnvironment(variables.GetValueOrDefault);

        Assert.Equal(new Uri("https://huggingface.co"), options.Endpoint);
        Assert.Null(options.Token);
        Assert.Equal(Path.Combine("/xdg", "mae"), options.CacheRoot);
    }

    [Fact]
    public void WithoutAnyVariableTheCacheIsUnderTheHomeCacheFolder()
    {
        var root = ModelCache.DefaultRoot(_ => null);

        Assert.EndsWith(Path.Combine(".cache", "mae"), root, StringComparison.Ordinal);
    }

    [Fact]
    public void EndpointThatIsNotAnHttpUrlIsRefusedWithTheVariableName()
    {
        var error = Assert.Throws<ArgumentException>(() => HubOptions.FromEnvironment(name => name == "HF_ENDPOINT" ? "ftp://x" : null));

        Assert.Contains("HF_ENDPOINT 'ftp://x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringNeverShowsTheToken()
    {
        var options = new HubOptions { Token = "hf_very_secret", CacheRoot = "/tmp/x" };

        Assert.DoesNotContain("hf_very_secret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("Token = (set)", options.ToString(), StringComparison.Ordinal);
    }
}
