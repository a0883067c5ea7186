namespace Mae.Cluster.Inference.Tests;

/// <summary>Finds a program of the repository in its own build output, for tests that run it as a child process.</summary>
internal static class BuiltProgram
{
    /// <summary>
    /// <paramref name="dllName"/> in …/<paramref name="project"/>/bin/{Configuration}/{framework}/ (the tests' own), where
    /// its deps.json and runtime config belong; a copy beside the tests would resolve against the test project's
    /// dependencies.
    /// </summary>
    public static string Dll(string project, string dllName)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Mae.Cluster.sln")))
        {
            root = root.Parent;
        }
        var dll = Path.Combine(root?.FullName ?? "", project, "bin", configuration, framework, dllName);
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {project} first: {dll} is missing.");
    }
}
