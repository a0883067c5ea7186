namespace Mae.Cluster.Storage.Formats;

/// <summary>What a tar member is, from its type flag (and, for sparse files, its PAX records).</summary>
internal enum TarMemberKind
{
    RegularFile,
    Directory,
    SymbolicLink,
    HardLink,
    CharacterDevice,
    BlockDevice,
    Fifo,

    /// <summary>GNU sparse files, vendor extensions and unknown type flags: data is present but is not a plain file.</summary>
    Other,
}
