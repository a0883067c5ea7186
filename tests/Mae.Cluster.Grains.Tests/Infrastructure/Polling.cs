namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>Waits for something observed in the test process to hold, polling with a deadline (never a fixed sleep).</summary>
internal static class Polling
{
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan deadline, string failure) =>
        WaitUntilAsync(() => Task.FromResult(condition()), deadline, failure);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string failure)
    {
        var limit = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < limit, failure);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
