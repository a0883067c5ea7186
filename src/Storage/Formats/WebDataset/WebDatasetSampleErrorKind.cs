namespace Mae.Cluster.Storage.Formats;

/// <summary>Why a WebDataset sample could not be used; <see cref="None"/> for a good sample.</summary>
public enum WebDatasetSampleErrorKind
{
    None,

    /// <summary>The stream ended inside one of the sample's members; reading stopped there.</summary>
    TruncatedMember,

    /// <summary>The key has a ".." segment, a backslash, a control character or a drive letter.</summary>
    UnsafeMemberName,

    /// <summary>The key is longer than <see cref="WebDatasetReadOptions.MaxKeyLength"/>.</summary>
    KeyTooLong,

    /// <summary>The key already appeared earlier in the shard, or the sample has a second image member.</summary>
    DuplicateKey,

    /// <summary>The image member is a symbolic link.</summary>
    SymbolicLink,

    /// <summary>The image member is a hard link.</summary>
    HardLink,

    /// <summary>The image member is a GNU sparse file or an unknown kind of tar member.</summary>
    NotRegularFile,

    /// <summary>The image member has zero bytes.</summary>
    EmptyImage,

    /// <summary>The image member is larger than <see cref="WebDatasetReadOptions.MaxImageBytes"/>.</summary>
    ImageTooLarge,

    /// <summary>The sample has members but none with an image extension.</summary>
    NoImageMember,
}
