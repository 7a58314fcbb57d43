use super::*;
use crate::state::ResourceState;

fn ws(dir: &Path, name: &str, env: &[(&str, &str)]) -> Workspace {
    Workspace {
        dir: dir.to_path_buf(),
        name: name.into(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// The workspace a command run in `dir` with `env` would select.
fn reselect(dir: &Path, env: &[(&str, &str)]) -> Workspace {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let name = super::super::workspace::selected_workspace(dir, &env);
    Workspace {
        dir: dir.to_path_buf(),
        name,
        env,
    }
}

fn vpc_state() -> State {
    let mut st = State::new();
    st.upsert(ResourceState {
        address: "aws_vpc.main".parse().unwrap(),
        mode: "managed".into(),
        type_name: "aws_vpc".into(),
        provider_id: Some("vpc-1".into()),
        attributes: serde_json::json!({"id": "vpc-1"}),
        sensitive_attributes: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        tainted: false,
    });
    st
}

#[test]
fn new_select_list_and_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let l = WorkspaceLock::default();
    let w = reselect(dir, &[]);
    assert_eq!(w.name, "default");
    assert_eq!(list_workspaces(&w).unwrap(), ["default"]);

    workspace_new(&w, "staging", l).unwrap();
    assert!(dir.join("state/staging.tfstate.json").is_file());
    let w = reselect(dir, &[]);
    assert_eq!(w.name, "staging");
    assert!(matches!(
        workspace_new(&w, "staging", l),
        Err(WorkspaceError::Exists { .. })
    ));
    assert!(matches!(
        workspace_new(&w, "default", l),
        Err(WorkspaceError::Exists { .. })
    ));
    workspace_new(&w, "prod.eu", l).unwrap();
    let w = reselect(dir, &[]);
    assert_eq!(
        workspace_list(&w).unwrap(),
        WorkspaceList {
            workspaces: vec!["default".into(), "prod.eu".into(), "staging".into()],
            current: "prod.eu".into(),
        }
    );

    assert!(matches!(
        workspace_select(&w, "qa", false, l),
        Err(WorkspaceError::Missing { .. })
    ));
    assert_eq!(
        workspace_select(&w, "prod.eu", false, l).unwrap(),
        Selected::Already
    );
    assert_eq!(
        workspace_select(&w, "staging", false, l).unwrap(),
        Selected::Switched
    );
    let w = reselect(dir, &[]);
    assert_eq!(w.name, "staging");
    assert_eq!(
        workspace_select(&w, "qa", true, l).unwrap(),
        Selected::Created
    );
    let w = reselect(dir, &[]);
    assert_eq!(w.name, "qa");

    assert!(matches!(
        workspace_delete(&w, "default", false, l),
        Err(WorkspaceError::DeleteDefault)
    ));
    assert!(matches!(
        workspace_delete(&w, "qa", false, l),
        Err(WorkspaceError::DeleteCurrent {
            overridden: false,
            ..
        })
    ));
    assert!(matches!(
        workspace_delete(&w, "nope", false, l),
        Err(WorkspaceError::Missing { .. })
    ));
    assert_eq!(
        workspace_delete(&w, "prod.eu", false, l).unwrap(),
        Vec::<String>::new()
    );
    assert!(!dir.join("state/prod.eu.tfstate.json").exists());
    assert_eq!(list_workspaces(&w).unwrap(), ["default", "qa", "staging"]);
    // Deleted, it can be created again.
    workspace_new(&w, "prod.eu", l).unwrap();
}

#[test]
fn non_empty_workspaces_need_force_and_lose_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let l = WorkspaceLock::default();
    let w = ws(dir, "default", &[]);
    let b = LocalBackend::for_workspace(dir, "staging", None).unwrap();
    let mut st = vpc_state();
    b.write(&mut st).unwrap();
    st.upsert(ResourceState {
        address: "aws_vpc.other".parse().unwrap(),
        ..st.resources[0].clone()
    });
    b.write(&mut st).unwrap();
    assert_eq!(b.backups().unwrap().len(), 1);

    match workspace_delete(&w, "staging", false, l) {
        Err(e @ WorkspaceError::NotEmpty { .. }) => {
            let d = e.to_diagnostic().unwrap();
            let detail = d.detail.unwrap_or_default();
            assert!(
                detail.contains("- aws_vpc.main\n  - aws_vpc.other"),
                "{detail}"
            );
            assert!(d.hint.unwrap_or_default().contains("-force"));
        }
        other => panic!("{other:?}"),
    }
    assert!(b.path().exists());
    assert_eq!(
        workspace_delete(&w, "staging", true, l).unwrap(),
        ["aws_vpc.main", "aws_vpc.other"]
    );
    let left: Vec<_> = std::fs::read_dir(dir.join("state"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_held_lock_blocks_deleting() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let l = WorkspaceLock::default();
    let w = ws(dir, "default", &[]);
    workspace_new(&w, "staging", l).unwrap();
    let b = LocalBackend::for_workspace(dir, "staging", None).unwrap();
    let held = b.lock("apply", Duration::ZERO).unwrap();
    assert!(matches!(
        workspace_delete(&w, "staging", false, l),
        Err(WorkspaceError::Store(_))
    ));
    assert!(b.path().exists());
    drop(held);
    workspace_delete(&w, "staging", false, l).unwrap();
}

#[test]
fn tf_workspace_overrides_the_recorded_selection() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let l = WorkspaceLock::default();
    workspace_new(&ws(dir, "default", &[]), "staging", l).unwrap();
    let env = [("TF_WORKSPACE", "production")];
    let w = reselect(dir, &env);
    assert_eq!(w.name, "production");
    // An empty TF_WORKSPACE does not override.
    assert_eq!(reselect(dir, &[("TF_WORKSPACE", "")]).name, "staging");

    assert!(matches!(
        workspace_select(&w, "default", false, l),
        Err(WorkspaceError::Overridden {
            selecting: true,
            ..
        })
    ));
    assert!(matches!(
        workspace_new(&w, "qa", l),
        Err(WorkspaceError::Overridden {
            selecting: false,
            ..
        })
    ));
    assert!(matches!(
        workspace_delete(&w, "production", false, l),
        Err(WorkspaceError::DeleteCurrent {
            overridden: true,
            ..
        })
    ));
    // Creating the workspace TF_WORKSPACE names is allowed.
    workspace_new(&w, "production", l).unwrap();
    assert_eq!(reselect(dir, &[]).name, "production");
}

#[test]
fn names_are_checked_and_odd_selections_fail_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let l = WorkspaceLock::default();
    let w = ws(dir, "default", &[]);
    for bad in ["", "../up", ".hidden", "a b", "x/y"] {
        assert!(
            matches!(workspace_new(&w, bad, l), Err(WorkspaceError::Store(_))),
            "{bad:?}"
        );
    }
    assert!(!dir.join(".terrace").exists());

    std::fs::create_dir_all(dir.join(".terrace")).unwrap();
    std::fs::write(dir.join(ENVIRONMENT_FILE), " \n").unwrap();
    assert_eq!(reselect(dir, &[]).name, "default");
    std::fs::write(dir.join(ENVIRONMENT_FILE), "staging\n").unwrap();
    assert_eq!(reselect(dir, &[]).name, "staging");
    // A selection that cannot be read never falls back to the default workspace.
    std::fs::remove_file(dir.join(ENVIRONMENT_FILE)).unwrap();
    std::fs::create_dir(dir.join(ENVIRONMENT_FILE)).unwrap();
    let name = reselect(dir, &[]).name;
    assert!(name.contains("unreadable"), "{name}");
    assert!(check_workspace_name(&name).is_err());
}

#[test]
fn a_configured_local_path_lists_its_sibling_states() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        "terraform {\n  backend \"local\" {\n    path = \"tf/prod.tfstate\"\n  }\n}\n",
    )
    .unwrap();
    let l = WorkspaceLock::default();
    let w = ws(dir, "default", &[]);
    workspace_new(&w, "blue", l).unwrap();
    assert!(dir.join("tf/prod.blue.tfstate").is_file());
    let mut st = State::new();
    LocalBackend::new(dir.join("tf/prod.tfstate"))
        .write(&mut st)
        .unwrap();
    // A journal alone (an interrupted first apply) is a workspace too.
    std::fs::write(dir.join("tf/prod.green.tfstate.journal"), "").unwrap();
    assert_eq!(list_workspaces(&w).unwrap(), ["default", "blue", "green"]);
}
