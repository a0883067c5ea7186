namespace Mae.Cluster.TestSupport;

/// <summary>Finds the repository checkout the tests run from.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder holding Mae.Cluster.sln, found by walking up from the test binaries.</summary>
    public static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Mae.Cluster.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Mae.Cluster.sln.");
    }
}
