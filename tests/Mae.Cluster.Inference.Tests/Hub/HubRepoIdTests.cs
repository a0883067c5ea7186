using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Inference.Tests.Hub;

public sealed class HubRepoIdTests
{
    [Theory]
    [InlineData("facebook/vit-mae-base")]
    [InlineData("facebook/vit-mae-huge")]
    [InlineData("some_user/my.model_v2")]
    [InlineData("Org-1/A")]
    public void HubStyleIdsAreAccepted(string id) => Assert.Equal(id, HubRepoId.Parse(id).ToString());

    [Fact]
    public void RefusalSaysWhatIsWrong()
    {
        var error = Assert.Throws<ArgumentException>(() => HubRepoId.Parse("../x"));

        Assert.Contains("'../x' is not a Hugging Face model id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RevisionsWithSlashesGetDistinctFolders()
    {
        var cache = new ModelCache(Path.GetTempPath());
        var repo = HubRepoId.Parse("facebook/vit-mae-base");

        var pullRequest = cache.RevisionDirectory(repo, "refs/pr/1");
        var lookalike = cache.RevisionDirectory(repo, "refs--pr--1");

        Assert.NotEqual(pullRequest, lookalike);
        Assert.Equal(cache.RevisionDirectory(repo, "main"), Path.GetDirectoryName(pullRequest) + Path.DirectorySeparatorChar + "main");
    }
}
