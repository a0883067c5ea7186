using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Inference.Tests.Hub;

public sealed class RetryLoopTests
{
    private static readonly HubOptions Options = new()
    {
        CacheRoot = "/unused",
        InitialRetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(10),
    };

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 4)]
    [InlineData(5, 8)]
    [InlineData(6, 10)]
    [InlineData(60, 10)]
    public void DelaysDoubleUpToTheCap(int attempt, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), new RetryLoop(Options).DelayBefore(attempt, retryAfter: null));

    [Fact]
    public void ServerRetryAfterIsHonouredUpToTheCap()
    {
        var loop = new RetryLoop(Options);

        Assert.Equal(TimeSpan.FromSeconds(5), loop.DelayBefore(2, TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromSeconds(10), loop.DelayBefore(2, TimeSpan.FromHours(1)));
    }
}
