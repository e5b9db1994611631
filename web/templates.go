package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"citylink/db"
	"citylink/views"
)

// fillTemplates lists the tenant's saved templates on the console; those
// who may send may also delete them.
func (s *Server) fillTemplates(ctx context.Context, tc *tenantCtx, p *views.CommandsProps) error {
	ts, err := s.db.FindCommandTemplates(ctx, tc.tenant.ID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		row := views.TemplateRow{ID: t.ID, Name: t.Name, Command: t.Command,
			LoadURL: tc.path("/commands?template=") + itoa(t.ID)}
		if tc.can(permSend) {
			row.DeleteURL = tc.path("/commands/templates/") + itoa(t.ID) + "/delete"
		}
		p.Templates = append(p.Templates, row)
	}
	return nil
}

// handleTemplateSave saves the console's form as a named template. It
// reads the same fields as sending does; secrets are not kept.
func (s *Server) handleTemplateSave(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	command, rows, params, problem := parseCommandForm(r)
	name := strings.TrimSpace(r.PostForm.Get("template_name"))
	if problem == "" && (name == "" || len(name) > 100) {
		problem = "Give the template a name of at most 100 characters."
	}
	var t db.CommandTemplate
	if problem == "" {
		var err error
		t, err = s.db.CreateCommandTemplate(ctx, db.CommandTemplate{TenantID: tc.tenant.ID,
			Name: name, Command: command, Params: toPairs(redactCommand(command, params)),
			CreatedBy: &tc.user.ID})
		switch {
		case errors.Is(err, db.ErrConflict):
			problem = "A template named " + name + " exists already: choose another name."
		case err != nil:
			s.fail(w, r, tc, err)
			return
		}
	}
	if problem != "" {
		s.renderConsoleProblem(w, r, tc, http.StatusUnprocessableEntity, command, rows, problem)
		return
	}
	s.audit(ctx, r, tc, "command_template.saved", "template "+itoa(t.ID),
		map[string]any{"name": name, "command": command})
	s.flash(r, "Template "+name+" saved.")
	http.Redirect(w, r, tc.path("/commands?template=")+itoa(t.ID), http.StatusSeeOther)
}

func (s *Server) handleTemplateDelete(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	id, err := pathID(r)
	if err == nil {
		err = s.db.DeleteCommandTemplate(ctx, tc.tenant.ID, id)
	}
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "command_template.deleted", "template "+itoa(id), nil)
	s.flash(r, "Template deleted.")
	http.Redirect(w, r, tc.path("/commands"), http.StatusSeeOther)
}
