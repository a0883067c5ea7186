namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>An image a test put into the input, as the job should report it: its key and its bytes.</summary>
internal sealed record Photo(string Key, byte[] Bytes);
